import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.ts';

/**
 * CNCF Distribution (`docker-registry`) behind authentication, for the CLI's login and token-flow tests:
 * `htpasswd` (Basic) or `token` (Docker bearer tokens from a real token issuer on loopback). Both accept
 * one user. The shared reference-registry helper waits for an open /v2/, so auth configs start here.
 */
export interface AuthRegistry {
  url: string;
  host: string;
  /** The token issuer of a `token` registry (undefined for htpasswd). */
  issuer: TokenIssuer | undefined;
  /** Kills the registry (and its token issuer) and deletes its files. Idempotent. */
  stop(): Promise<void>;
}

export const REGISTRY_USER = { username: 'alice', password: 'pa55-w0rd-s3cret' } as const;
const START_TIMEOUT_MS = 60_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForAnswer(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      if (res.status === 401) return;
      throw new Error(`expected 401 from an auth registry, got ${res.status}`);
    } catch (err) {
      if ((err as Error).message.startsWith('expected')) throw err;
      if (Date.now() > deadline) throw new Error(`docker-registry at ${url} never answered: ${String(err)}\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startAuthRegistry(mode: 'htpasswd' | 'token'): Promise<AuthRegistry> {
  const probe = spawnSync('docker-registry', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error('docker-registry not found on PATH: apt-get install docker-registry');
  const dir = await mkdtemp(join(tmpdir(), 'berth-cli-registry-'));
  const port = await freePort();
  let issuer: TokenIssuer | undefined;
  let auth: Record<string, unknown>;
  if (mode === 'htpasswd') {
    const hashed = spawnSync('htpasswd', ['-nbB', REGISTRY_USER.username, REGISTRY_USER.password], { encoding: 'utf8' });
    if (hashed.status !== 0) throw new Error(`htpasswd failed (apt-get install apache2-utils): ${hashed.stderr}`);
    await writeFile(join(dir, 'htpasswd'), hashed.stdout);
    auth = { htpasswd: { realm: 'berth-cli-test', path: join(dir, 'htpasswd') } };
  } else {
    issuer = await startTokenIssuer(dir, { service: 'berth-cli-test', user: REGISTRY_USER });
    auth = { token: { realm: issuer.realm, service: issuer.service, issuer: issuer.issuer, rootcertbundle: issuer.certPath } };
  }
  const config = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'root') }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}` },
    auth,
  };
  await writeFile(join(dir, 'config.yml'), stringify(config));
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'exit');
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (output.length < 64_000) output += chunk;
  });
  // A test process that dies without its after() hook must not leave a registry behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM'); // a no-op when it already exited
      await exited;
      await issuer?.stop();
      await rm(dir, { recursive: true, force: true });
    })());
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForAnswer(url, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, host: `127.0.0.1:${port}`, issuer, stop };
}
