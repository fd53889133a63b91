import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { BERTH_BIN } from './berth-bin.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** tsx compiles the whole server on each start; two shared cores under a parallel suite can be slow. */
const READY_TIMEOUT_MS = 90_000;
const OUTPUT_KEEP_CHARS = 64 * 1024;

export interface BerthProcessOptions {
  /** Reuse this data directory (it is then never deleted); otherwise a fresh temp dir is made. */
  dataDir?: string;
  /** Configuration written as a YAML file and passed with `--config` (listen and data come from flags). */
  config?: Record<string, unknown>;
  /** Extra environment variables (e.g. BERTH_UPLOADS__EXPIRE_AFTER). */
  env?: Record<string, string>;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BerthProcess {
  /** Base URL of the current incarnation (the port may change across restarts if the old one was taken). */
  readonly url: string;
  readonly dataDir: string;
  /** Process id of the current incarnation. */
  readonly pid: number;
  /** Everything the current and previous incarnations wrote to stdout and stderr (the tail of it). */
  output(): string;
  /** Sends `signal` and resolves when the process has exited. Resolves at once if it is not running. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<ExitInfo>;
  /** Starts a new incarnation on the same data directory and configuration; waits for /readyz. */
  restart(): Promise<void>;
  /** Kills the process (SIGKILL) and deletes the data directory if this helper created it. Idempotent. */
  stop(): Promise<void>;
}

/** A loopback port nobody listens on right now (the kernel picks it; it is released before Berth binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Berth as a real child process (`node bin/berth.js serve`), so tests can SIGKILL it mid-request and start it
 * again on the same data directory, exactly as an operator's crash and restart would.
 */
export async function startBerthProcess(opts: BerthProcessOptions = {}): Promise<BerthProcess> {
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-proc-')));
  let configFile: string | undefined;
  if (opts.config) {
    configFile = join(dataDir, 'berth-test-config.yaml');
    await writeFile(configFile, toYaml(opts.config));
  }

  let log = '';
  let child: ChildProcess | undefined;
  let exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  let isRunning = false;
  let url = '';
  let port = 0;

  const append = (prefix: string) => (chunk: Buffer) => {
    log += chunk.toString('utf8').replace(/^(?=.)/gm, prefix);
    if (log.length > OUTPUT_KEEP_CHARS) log = log.slice(-OUTPUT_KEEP_CHARS);
  };

  function spawnOnce(listenPort: number): void {
    log += `--- berth serve on 127.0.0.1:${listenPort} ---\n`;
    const args = [BERTH_BIN, 'serve', '--listen', `127.0.0.1:${listenPort}`, '--data', dataDir, ...(configFile ? ['--config', configFile] : [])];
    const proc = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      // The crash/restart suites are about the registry protocol: open unless a test turns authentication on.
      env: { ...process.env, BERTH_LOG__LEVEL: 'warn', BERTH_AUTH__ENABLED: 'false', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', append('[out] '));
    proc.stderr!.on('data', append('[err] '));
    isRunning = true;
    exited = new Promise((done) => {
      proc.once('exit', (code, signal) => {
        isRunning = false;
        log += `--- exited code=${code} signal=${signal} ---\n`;
        done({ code, signal });
      });
    });
    child = proc;
    port = listenPort;
    url = `http://127.0.0.1:${listenPort}`;
  }

  async function waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!isRunning) throw new Error(`berth exited before it was ready:\n${log}`);
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`berth was not ready within ${READY_TIMEOUT_MS} ms:\n${log}`);
  }

  async function launch(preferredPort: number): Promise<void> {
    spawnOnce(preferredPort);
    try {
      await waitReady();
    } catch (err) {
      // The old port can be taken by someone else between runs: exit code 3 is "could not start".
      const info = await Promise.race([exited, sleep(0).then(() => undefined)]);
      if (info?.code === 3 && /EADDRINUSE/.test(log)) {
        spawnOnce(await freePort());
        await waitReady();
        return;
      }
      child?.kill('SIGKILL');
      throw err;
    }
  }

  async function kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<ExitInfo> {
    if (!isRunning || !child) return exited;
    child.kill(signal);
    return exited;
  }

  // A test runner that dies (or is killed on a timeout) must not leave a server running behind it.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  await launch(await freePort());

  let stopped: Promise<void> | undefined;
  return {
    get url() {
      return url;
    },
    dataDir,
    get pid() {
      return child?.pid ?? -1;
    },
    output: () => log,
    kill,
    async restart() {
      if (isRunning) throw new Error('restart() needs the previous incarnation to have exited: call kill() first');
      await launch(port);
    },
    stop() {
      stopped ??= (async () => {
        await kill('SIGKILL');
        process.removeListener('exit', killOnExit);
        if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
