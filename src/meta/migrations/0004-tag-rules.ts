import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

// Tag rules (#4): naming and immutable rules per project (settings as JSON in `spec`), and one row of production
// protection flags per project that has any. Both go with their project.
export const migration0004_tag_rules = ({ name }: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('tag_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project', 'text', (c) => name(c).references('projects.name').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => name(c))
      .addColumn('repository_pattern', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('tag_rules_project_name', ['project', 'name'])
      .execute();
    await db.schema.createTable('project_tag_settings')
      .addColumn('project', 'text', (c) => name(c).primaryKey().references('projects.name').onDelete('cascade'))
      .addColumn('is_production', 'integer', (c) => c.notNull())
      .addColumn('refuse_latest_pull', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
