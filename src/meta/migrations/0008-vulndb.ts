import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// The vulnerability database (#5): OSV advisories as stored JSON, an index of the (ecosystem, package) pairs
// each one names so matching is one indexed query per ecosystem batch, their aliases, per-source freshness and
// the data revision that changes whenever the data does.
export const migration0008_vulndb = (kit: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('vuln_advisories')
      .addColumn('id', 'text', (c) => kit.name(c).primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('modified', 'text', (c) => c.notNull())
      .addColumn('withdrawn', 'text')
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('imported_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('vuln_advisories_source').on('vuln_advisories').columns(['source']).execute();
    await db.schema.createTable('vuln_affected')
      .addColumn('advisory_id', 'text', (c) => kit.name(c))
      .addColumn('ecosystem', 'text', (c) => kit.name(c))
      .addColumn('package', 'text', (c) => kit.name(c))
      .addPrimaryKeyConstraint('vuln_affected_pk', ['ecosystem', 'package', 'advisory_id'])
      .execute();
    await db.schema.createIndex('vuln_affected_advisory').on('vuln_affected').columns(['advisory_id']).execute();
    await db.schema.createTable('vuln_aliases')
      .addColumn('alias', 'text', (c) => kit.name(c))
      .addColumn('advisory_id', 'text', (c) => kit.name(c))
      .addPrimaryKeyConstraint('vuln_aliases_pk', ['alias', 'advisory_id'])
      .execute();
    await db.schema.createIndex('vuln_aliases_advisory').on('vuln_aliases').columns(['advisory_id']).execute();
    await db.schema.createTable('vuln_sources')
      .addColumn('name', 'text', (c) => kit.name(c).primaryKey())
      .addColumn('record_count', 'integer', (c) => c.notNull())
      .addColumn('withdrawn_count', 'integer', (c) => c.notNull())
      .addColumn('modified_watermark', 'text')
      .addColumn('last_import_at', 'bigint')
      .addColumn('last_sync_at', 'bigint')
      .execute();
    await db.schema.createTable('vuln_state')
      .addColumn('key', 'text', (c) => kit.name(c).primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
});
