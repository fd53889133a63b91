import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteDialect } from './dialects/sqlite.dialect.ts';
import { openMetaStore } from './meta-store.ts';
import { describeVulnDbRepo } from './vulndb.contract.ts';

describeVulnDbRepo('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-vulndb-sqlite-'));
  return {
    open: () => openMetaStore(sqliteDialect({ path: join(dir, 'berth.db') })),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
});
