import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Promotion gates (#4): per project, the conditions an image must meet before a promotion may move a tag in a
// target repository/tag of that project. `params` is the gate's JSON settings (hours, principal, ...).
export const migration0006_promotion_gates = ({ name }: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('promotion_gates')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project', 'text', (c) => name(c).references('projects.name').onDelete('cascade'))
      .addColumn('repository_pattern', 'text', (c) => c.notNull())
      .addColumn('tag_pattern', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('promotion_gates_project').on('promotion_gates').columns(['project', 'id']).execute();
  },
});
