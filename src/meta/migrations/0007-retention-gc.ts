import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Retention and garbage collection (#4): per-project retention rules (JSON, validated by the service) and the
// lease rows that keep one GC or retention run at a time across every node sharing the store.
export const migration0007_retention_gc = ({ name }: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('job_leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('retention_policies')
      .addColumn('project', 'text', (c) => name(c).primaryKey().references('projects.name').onDelete('cascade'))
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
