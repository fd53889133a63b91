import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Trust policies (#7): one row per project. The policy (keys, keyless identities, required attestations) is
// JSON: it is read whole into memory at start and after every change, never queried by field.
export const migration0010_trust_policies = (kit: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('trust_policies')
      .addColumn('project', 'text', (c) => kit.name(c).primaryKey())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
