import { after, before } from 'node:test';
import { startTestPostgres, type TestPostgres } from '../../test/helpers/postgres.ts';
import { postgresDialect } from './dialects/postgres.dialect.ts';
import { openMetaStore } from './meta-store.ts';
import { describeScanRepo } from './scan.contract.ts';

let server: TestPostgres;
before(async () => {
  server = await startTestPostgres();
}, { timeout: 180_000 });
after(() => server?.stop());

describeScanRepo('postgres', async () => {
  const url = await server.createDatabase();
  return {
    open: () => openMetaStore(postgresDialect({ url, poolSize: 4 })),
    // The helper drops every database it created when the server stops.
    destroy: async () => undefined,
  };
});
