import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Tag history (#4): one row per tag move, written in the transaction of the move itself. The GC reads
// `from_digest`/`to_digest` of rows inside the history window directly, so these column names are a contract.
export const migration0005_tag_history = ({ dialect, name }: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('tag_history')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('repository', 'text', (c) => name(c))
      .addColumn('tag', 'text', (c) => name(c))
      .addColumn('from_digest', 'text')
      .addColumn('to_digest', 'text')
      .addColumn('how', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tag_history_tag').on('tag_history').columns(['repository', 'tag', 'id']).execute();
    await db.schema.createIndex('tag_history_at').on('tag_history').column('at').execute();
  },
});
