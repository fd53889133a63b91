import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/**
 * The reference registry: CNCF Distribution 2.8.2 (Debian package `docker-registry`), run with the same config
 * as the benchmarks, on a fresh root directory and an ephemeral loopback port.
 */
export interface ReferenceRegistry {
  /** Base URL, e.g. http://127.0.0.1:41655. */
  url: string;
  /** host:port, as container tools want it in image references. */
  host: string;
  rootDir: string;
  /** Kills the server and deletes its root directory. Idempotent. */
  stop(): Promise<void>;
}

const BINARY = 'docker-registry';
const MISSING = 'docker-registry (CNCF Distribution) not found on PATH: install the Debian package `docker-registry` (apt-get install docker-registry)';
const DEFAULT_CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', 'interop', 'distribution-config.yml');
const START_TIMEOUT_MS = 60_000;

/** Fails loudly (never skips) when Distribution is not installed. */
export function assertDistributionInstalled(): void {
  const probe = spawnSync(BINARY, ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error(MISSING);
}

async function waitForListening(child: ChildProcess, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`docker-registry did not start within ${START_TIMEOUT_MS} ms:\n${log()}`)), START_TIMEOUT_MS);
    const onData = () => {
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(log());
      if (match) finish(undefined, match[1]);
    };
    const onExit = (code: number | null) => finish(new Error(`docker-registry exited (${code}) before listening:\n${log()}`));
    function finish(err?: Error, host?: string) {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(host!);
    }
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

async function waitForApi(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      // 401 is an answer too: a `configure`d auth section protects /v2/.
      if (res.status === 200 || res.status === 401) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`docker-registry at ${url} never answered /v2/: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ReferenceRegistryOptions {
  /** A Distribution YAML config to start from; default: the benchmark config copied into test/interop/. */
  configPath?: string;
  /**
   * Edits the parsed config before it is written (e.g. to add an `auth` section); `dir` is the server's private
   * temp folder, deleted by `stop()`, for files the config points at. Root directory and address are set already.
   */
  configure?: (config: Record<string, any>, dir: string) => void | Promise<void>;
}

/**
 * Starts `docker-registry serve CONFIG` with the config rewritten to a fresh root directory and port 0 (the
 * port is read from its "listening on" line, so there is no race for a free port), then waits for /v2/.
 * Fails loudly when Distribution is not installed or does not come up.
 */
export async function startReferenceRegistry(opts: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  assertDistributionInstalled();
  const dir = await mkdtemp(join(tmpdir(), 'distribution-'));
  const rootDir = join(dir, 'root');
  const config = parse(await readFile(opts.configPath ?? DEFAULT_CONFIG, 'utf8')) as Record<string, any>;
  config.storage.filesystem.rootdirectory = rootDir;
  config.http.addr = '127.0.0.1:0';
  // Info level, so the server prints the port it picked; the access log stays off as in the benchmarks.
  config.log.level = 'info';
  await opts.configure?.(config, dir);
  const configFile = join(dir, 'config.yml');
  await writeFile(configFile, stringify(config));

  const child = spawn(BINARY, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    // Keep only the start of the log: enough to find the port or explain a failure.
    if (output.length < 64_000) output += chunk;
  });
  const kill = () => child.kill('SIGKILL');
  // A test process that dies without its after() hook must not leave a server behind.
  process.once('exit', kill);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const host = await waitForListening(child, () => output);
    const url = `http://${host}`;
    await waitForApi(url);
    return { url, host, rootDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
