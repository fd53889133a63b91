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

/**
 * A real Berth on an ephemeral loopback port with a fresh data directory (SQLite + filesystem blobs).
 * `overrides` are merged over the defaults like a YAML file would be.
 */
export async function startTestBerth(overrides: Record<string, unknown> & Partial<ConfigInput> = {}, opts: { dataDir?: string } = {}): Promise<TestBerth> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-test-')));
  const config = loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', data: dataDir, log: { level: 'silent' }, ...overrides } });
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
