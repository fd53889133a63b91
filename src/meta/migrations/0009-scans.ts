import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Registry scanning (#5): results per manifest digest (the inventory is kept so new advisories are re-matched
// without reading layers), the ids and aliases each result is affected by (for "which images have CVE-X"),
// queued jobs (they survive a restart), vulnerability policies per project and their exceptions.
export const migration0009_scans = ({ name, nullableName }: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('scan_results')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('inventory', 'text', (c) => c.notNull())
      .addColumn('findings', 'text', (c) => c.notNull())
      .addColumn('revision', 'text', (c) => c.notNull())
      .addColumn('worst_severity', 'text', (c) => c.notNull())
      .addColumn('finding_count', 'integer', (c) => c.notNull())
      .addColumn('scanned_at', 'bigint', (c) => c.notNull())
      .addColumn('matched_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('scan_vulnerability_ids')
      .addColumn('digest', 'text', (c) => c.notNull().references('scan_results.digest').onDelete('cascade'))
      .addColumn('vulnerability_id', 'text', (c) => name(c))
      .addPrimaryKeyConstraint('scan_vulnerability_ids_pk', ['digest', 'vulnerability_id'])
      .execute();
    await db.schema.createIndex('scan_vulnerability_ids_id').on('scan_vulnerability_ids').columns(['vulnerability_id', 'digest']).execute();
    await db.schema.createTable('scan_jobs')
      .addColumn('job_key', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('repository', 'text', (c) => name(c))
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('scan_policies')
      .addColumn('project', 'text', (c) => name(c).primaryKey())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('scan_exceptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project', 'text', (c) => name(c))
      .addColumn('vulnerability_id', 'text', (c) => name(c))
      .addColumn('repository', 'text', (c) => nullableName(c))
      .addColumn('digest', 'text')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('justification', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('scan_exceptions_project').on('scan_exceptions').columns(['project', 'id']).execute();
  },
});
