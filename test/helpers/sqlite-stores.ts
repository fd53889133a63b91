import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { sqliteDialect } from '../../src/meta/dialects/sqlite.dialect.ts';
import { openMetaStore, type MetaStore } from '../../src/meta/meta-store.ts';

/**
 * The store factory the SQLite contract suites share: every call gets a fresh database file in its own folder
 * under one temp root, removed when the test file ends.
 */
export async function sqliteStores(prefix: string): Promise<{
  /** The temp root, for tests that need a database path of their own. */
  root: string;
  make(): Promise<{ open(): Promise<MetaStore>; destroy(): Promise<void> }>;
}> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(root, { recursive: true, force: true }));
  let count = 0;
  return {
    root,
    async make() {
      const dir = join(root, `db-${++count}`);
      return {
        open: () => openMetaStore(sqliteDialect({ path: join(dir, 'berth.db') })),
        destroy: () => rm(dir, { recursive: true, force: true }),
      };
    },
  };
}
