import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

/** A registry under test, started on a free loopback port with a fresh data directory. */
export interface BenchServer {
  name: 'berth' | 'reference';
  url: string;
  pid: number;
  /** Where the server's own stdout/stderr go (kept, with the data, only when the start fails). */
  logPath: string;
  /** SIGTERM, then SIGKILL after 10 s; removes the data directory and the log. Idempotent. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** The repository root (Berth is built and started as `npm start` does: see startNodeFlags). */
  root: string;
  /** The shared bench folder holding distribution-config.yml. */
  sharedBench: string;
  /** Extra node flags for Berth (e.g. --cpu-prof), for profiling runs. */
  berthNodeArgs: string[];
  /** Authentication on, with this admin password; off when absent. */
  auth?: { password: string };
}

/** A free loopback port: bind port 0, read it, release it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, logPath: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url}: the server exited (${child.exitCode ?? child.signalCode}) before answering; see ${logPath}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      // 401 is a registry that is up and wants credentials (Berth with --auth).
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}: no answer from /v2/ within ${timeoutMs / 1000} s; see ${logPath}`);
}

async function launch(name: BenchServer['name'], cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; url: string; workDir: string }): Promise<BenchServer> {
  const logPath = join(opts.workDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`cannot start ${cmd}: ${err.message}`)));
  });
  let stopping: Promise<void> | undefined;
  const stop = (keepFiles = false) => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      await new Promise<void>((resolve) => log.end(resolve));
      if (!keepFiles) await rm(opts.workDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await spawned;
    await waitReady(opts.url, child, logPath);
  } catch (err) {
    await stop(true);
    throw err;
  }
  return { name, url: opts.url, pid: child.pid!, logPath, stop: () => stop() };
}

/**
 * The node flags `npm start` passes (read from package.json's start script, the one place they are set), so the
 * benchmark measures what users run.
 */
export function startNodeFlags(root: string): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /\bnode ((?:--\S+ )*)bin\/start\.js\b/.exec(start);
  if (!m) throw new Error(`package.json's start script does not run "node [flags] bin/start.js": ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Berth from this checkout, access log off (level warn) as the reference runs with its access log off. */
export async function startBerth(opts: ServerOptions): Promise<BenchServer> {
  const workDir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [...startNodeFlags(opts.root), ...opts.berthNodeArgs, 'bin/start.js', 'serve', '--listen', `127.0.0.1:${port}`, '--data', join(workDir, 'data')];
  const auth = opts.auth ? { BERTH_AUTH__ADMIN_PASSWORD: opts.auth.password } : { BERTH_AUTH__ENABLED: 'false' };
  return launch('berth', process.execPath, args, { cwd: opts.root, env: { ...process.env, BERTH_LOG__LEVEL: 'warn', ...auth }, url, workDir });
}

/** CNCF Distribution (`docker-registry`) with the shared reference config, pointed at a fresh directory. */
export async function startReference(opts: ServerOptions): Promise<BenchServer> {
  const workDir = await mkdtemp(join(tmpdir(), 'reference-bench-'));
  const port = await freePort();
  const config = parseDocument(await readFile(join(opts.sharedBench, 'distribution-config.yml'), 'utf8'));
  config.setIn(['storage', 'filesystem', 'rootdirectory'], join(workDir, 'data'));
  config.setIn(['http', 'addr'], `127.0.0.1:${port}`);
  const configPath = join(workDir, 'config.yml');
  await writeFile(configPath, config.toString());
  return launch('reference', 'docker-registry', ['serve', configPath], { cwd: workDir, env: process.env, url: `http://127.0.0.1:${port}`, workDir });
}

/** Fails with a clear message when a required tool or file is missing. */
export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`${what} not found at ${path}`);
}
