import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.load.ts';
import type { ConfigInput } from '../../src/config/config.schema.ts';
import { createLogger } from '../../src/log/logger.ts';
import { startBerth, type RunningBerth } from '../../src/main.ts';

export interface TestBerth extends RunningBerth {
  dataDir: string;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

/** The first admin's password in a test Berth with authentication on (user `admin`). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-0123';

export interface TestBerthOptions {
  dataDir?: string;
  /**
   * Run with `auth.enabled: false` (everyone may do everything), for suites about the registry protocol itself.
   * By default authentication and access control are enforced, with the admin password TEST_ADMIN_PASSWORD.
   */
  open?: boolean;
}

/**
 * A real Berth on an ephemeral loopback port with a fresh data directory (SQLite + filesystem blobs).
 * `overrides` are merged over the defaults like a YAML file would be (an `auth` override replaces the default one).
 */
export async function startTestBerth(overrides: Record<string, unknown> & Partial<ConfigInput> = {}, opts: TestBerthOptions = {}): Promise<TestBerth> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-test-')));
  const auth = opts.open ? { enabled: false } : { adminPassword: TEST_ADMIN_PASSWORD };
  const config = loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', data: dataDir, log: { level: 'silent' }, auth, ...overrides } });
  const berth = await startBerth(config, { log: createLogger(process.env.BERTH_TEST_LOG ?? 'silent') });
  return {
    ...berth,
    dataDir,
    async stop() {
      await berth.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
