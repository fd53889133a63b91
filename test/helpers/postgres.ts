import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresDialect } from '../../src/meta/dialects/postgres.dialect.ts';
import { openMetaStore, type MetaStore } from '../../src/meta/meta-store.ts';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const MISSING = 'PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: install the Debian package `postgresql` (apt-get install postgresql), or set BERTH_TEST_POSTGRES_URL to a server the tests may create databases on';

/** A PostgreSQL server the tests may create and drop databases on. */
export interface TestPostgres {
  /** A connection URL to a new, empty database of its own; dropped by `stop()`. */
  createDatabase(): Promise<string>;
  /** Drops the databases it created; stops and deletes the throwaway cluster, if it started one. Idempotent. */
  stop(): Promise<void>;
}

/** The bin folder of the newest PostgreSQL installed (Debian puts each major version in its own folder). */
export function findPostgresBin(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(MISSING);
  return join(PG_ROOT, versions[0]!, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` system user. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function errorText(err: unknown): string {
  const e = err as { stderr?: string; stdout?: string; message: string };
  return [e.message, e.stdout, e.stderr].filter(Boolean).join('\n');
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Databases are per call, so suites (and test files sharing a server) never see each other's rows. */
function databases(adminUrl: string): { create(): Promise<string>; dropAll(): Promise<void> } {
  const created: string[] = [];
  return {
    async create() {
      const name = `berth_test_${process.pid}_${randomBytes(6).toString('hex')}`;
      await withAdmin(adminUrl, async (c) => {
        // A linguistic default collation (where the server has ICU), so the suites prove that the schema's
        // COLLATE "C" columns, not the database default, make pagination bytewise.
        try {
          await c.query(`create database ${name} template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US'`);
        } catch {
          await c.query(`create database ${name}`);
        }
      });
      created.push(name);
      return databaseUrl(adminUrl, name);
    },
    async dropAll() {
      const names = created.splice(0);
      if (names.length === 0) return;
      await withAdmin(adminUrl, async (c) => {
        for (const name of names) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

/**
 * BERTH_TEST_POSTGRES_URL when set (databases are created on it and dropped afterwards); otherwise a throwaway
 * cluster of the newest installed PostgreSQL in a temp folder, listening on a unix socket there and on
 * 127.0.0.1 at a free port. Every call starts its own cluster, so test files running at once never collide.
 * Fails (never skips) when PostgreSQL is not installed.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.BERTH_TEST_POSTGRES_URL;
  if (external) {
    const dbs = databases(external);
    return { createDatabase: dbs.create, stop: dbs.dropAll };
  }
  const bin = findPostgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'berth-pg-'));
  const dataDir = join(dir, 'data');
  const isRoot = process.getuid?.() === 0;
  const superuser = isRoot ? 'postgres' : userInfo().username;
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(dir, uid, gid);
  }
  const pgCtl = join(bin, 'pg_ctl');
  const stopCluster = () => {
    const [cmd, args] = asServerUser(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    try {
      execFileSync(cmd, args, { stdio: 'ignore', cwd: dir });
    } catch {
      // Not running (it never started, or stopped already).
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without its after() hook must not leave a server behind.
  process.once('exit', stopCluster);
  try {
    const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), ['-D', dataDir, '-U', superuser, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
    await run(initCmd, initArgs, { cwd: dir }).catch((err) => {
      throw new Error(`initdb failed:\n${errorText(err)}`);
    });
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      // fsync off: the cluster is thrown away, and the machine is shared with other test runs.
      const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      const [startCmd, startArgs] = asServerUser(pgCtl, ['start', '-D', dataDir, '-w', '-t', '120', '-l', join(dir, 'server.log'), '-o', options]);
      try {
        await run(startCmd, startArgs, { cwd: dir });
        break;
      } catch (err) {
        const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
        // Another process may have taken the port between our probe and the server's bind: try another.
        if (attempt < 5 && /could not (bind|create listen)/i.test(log)) continue;
        throw new Error(`pg_ctl start failed:\n${errorText(err)}\n${log}`);
      }
    }
    const dbs = databases(`postgres://${superuser}@127.0.0.1:${port}/postgres`);
    let stopped = false;
    return {
      createDatabase: dbs.create,
      async stop() {
        if (stopped) return;
        stopped = true;
        await dbs.dropAll().catch(() => undefined);
        process.removeListener('exit', stopCluster);
        const [cmd, args] = asServerUser(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w']);
        await run(cmd, args, { cwd: dir }).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.removeListener('exit', stopCluster);
    stopCluster();
    throw err;
  }
}

/**
 * The store factory the PostgreSQL contract suites share: one throwaway server per test file (started before
 * the tests, stopped after), a fresh database per call. The mirror of sqliteStores().
 */
export function postgresStores(): () => Promise<{ open(): Promise<MetaStore>; destroy(): Promise<void> }> {
  let server: TestPostgres | undefined;
  before(async () => {
    server = await startTestPostgres();
  }, { timeout: 180_000 });
  after(() => server?.stop());
  return async () => {
    const url = await server!.createDatabase();
    // The server drops every database it created when it stops.
    return { open: () => openMetaStore(postgresDialect({ url, poolSize: 4 })), destroy: async () => undefined };
  };
}
