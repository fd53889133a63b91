import { after, before, describe, it } from 'node:test';
import { startTestPostgres, type TestPostgres } from '../../test/helpers/postgres.ts';
import { postgresDialect } from './dialects/postgres.dialect.ts';
import { appendConcurrently } from './identity-store.contract-audit.ts';
import { describeIdentityStore } from './identity-store.contract.ts';
import { openMetaStore } from './meta-store.ts';

let server: TestPostgres;
before(async () => {
  server = await startTestPostgres();
}, { timeout: 180_000 });
after(() => server?.stop());

describeIdentityStore('postgres', async () => {
  const url = await server.createDatabase();
  return {
    open: () => openMetaStore(postgresDialect({ url, poolSize: 10 })),
    // The helper drops every database it created when the server stops.
    destroy: async () => undefined,
  };
});

describe('postgres audit chain across nodes', () => {
  it('four stores with their own pools appending 1,000 events at once leave one unbroken chain', { timeout: 180_000 }, async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openMetaStore(postgresDialect({ url, poolSize: 3 }))));
    try {
      await appendConcurrently(stores, 1000);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
