import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../../test/helpers/postgres.ts';
import { digestOf } from '../oci/digest.ts';
import { parseRepoName } from '../oci/names.ts';
import { postgresDialect } from './dialects/postgres.dialect.ts';
import { describeMetaStore } from './meta-store.contract.ts';
import { openMetaStore } from './meta-store.ts';

let server: TestPostgres;
before(async () => {
  server = await startTestPostgres();
}, { timeout: 180_000 });
after(() => server?.stop());

describeMetaStore('postgres', async () => {
  const url = await server.createDatabase();
  return {
    open: () => openMetaStore(postgresDialect({ url, poolSize: 10 })),
    // The helper drops every database it created when the server stops.
    destroy: async () => undefined,
  };
});

describe('postgres across connections', () => {
  it('several Berth instances opening a fresh database at once all migrate it and write to it', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openMetaStore(postgresDialect({ url, poolSize: 2 }))));
    try {
      await Promise.all(stores.map((s, i) => s.blobs.link(parseRepoName(`race/p${i}`), digestOf(Buffer.from(`p${i}`)), 7)));
      for (const s of stores) assert.deepEqual((await s.repositories.list({})).items, ['race/p0', 'race/p1', 'race/p2', 'race/p3']);
    } finally {
      for (const s of stores) await s.close();
    }
  });

});

describe('postgres collation', () => {
  it('the test databases sort linguistically, so the contract proves the schema\'s COLLATE "C"', async () => {
    const client = new pg.Client({ connectionString: await server.createDatabase() });
    await client.connect();
    try {
      const { rows } = await client.query<{ value: string }>(`select v as value from (values ('B'), ('a'), ('_x'), ('Z')) t(v) order by v`);
      // Under a linguistic collation lowercase precedes uppercase and '_' is not sorted by its code point;
      // bytewise it would be B, Z, _x, a (which the pagination contract asserts for tags).
      assert.notDeepEqual(rows.map((r) => r.value), ['B', 'Z', '_x', 'a']);
    } finally {
      await client.end();
    }
  });
});
