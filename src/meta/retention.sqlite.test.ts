import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { sqliteDialect } from './dialects/sqlite.dialect.ts';
import { openMetaStore } from './meta-store.ts';
import { describeRetentionRepo } from './retention.contract.ts';

const root = await mkdtemp(join(tmpdir(), 'berth-retention-sqlite-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

describeRetentionRepo('sqlite', async () => {
  const dir = join(root, `db-${++count}`);
  return {
    open: () => openMetaStore(sqliteDialect({ path: join(dir, 'berth.db') })),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
});
