import { after, before } from 'node:test';
import { startTestPostgres, type TestPostgres } from '../../test/helpers/postgres.ts';
import { postgresDialect } from './dialects/postgres.dialect.ts';
import { openMetaStore } from './meta-store.ts';
import { describeVulnDbRepo } from './vulndb.contract.ts';

let server: TestPostgres;
before(async () => {
  server = await startTestPostgres();
}, { timeout: 180_000 });
after(() => server?.stop());

describeVulnDbRepo('postgres', async () => {
  const url = await server.createDatabase();
  // The helper drops every database it created when the server stops.
  return { open: () => openMetaStore(postgresDialect({ url, poolSize: 4 })), destroy: async () => undefined };
});
