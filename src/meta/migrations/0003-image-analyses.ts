import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Image analyses (#6), cached per manifest digest and platform; recomputed when the engine's schema
// version changes. The waste figures are lifted out of the JSON so storage reports rank in SQL.
export const migration0003_image_analyses = (_kit: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('image_analyses')
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('engine_version', 'integer', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('image_bytes', 'bigint', (c) => c.notNull())
      .addColumn('wasted_bytes', 'bigint', (c) => c.notNull())
      .addColumn('analyzed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_analyses_pk', ['digest', 'platform'])
      .execute();
    await db.schema.createIndex('image_analyses_wasted').on('image_analyses').columns(['engine_version', 'wasted_bytes']).execute();
  },
});
