import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

export const migration0001_registry_core = ({ name, bytes }: MigrationKit): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('repositories')
      .addColumn('name', 'text', (c) => name(c).primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('blobs')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('repository_blobs')
      .addColumn('repository', 'text', (c) => name(c).references('repositories.name').onDelete('cascade'))
      .addColumn('digest', 'text', (c) => c.notNull().references('blobs.digest'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_blobs_pk', ['repository', 'digest'])
      .execute();
    await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();
    await db.schema.createTable('manifests')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('content', bytes, (c) => c.notNull())
      .addColumn('artifact_type', 'text')
      .addColumn('subject', 'text')
      .addColumn('annotations', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('manifests_subject').on('manifests').column('subject').execute();
    await db.schema.createTable('repository_manifests')
      .addColumn('repository', 'text', (c) => name(c).references('repositories.name').onDelete('cascade'))
      .addColumn('digest', 'text', (c) => c.notNull().references('manifests.digest'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_manifests_pk', ['repository', 'digest'])
      .execute();
    await db.schema.createIndex('repository_manifests_digest').on('repository_manifests').column('digest').execute();
    await db.schema.createTable('manifest_references')
      .addColumn('manifest', 'text', (c) => c.notNull().references('manifests.digest').onDelete('cascade'))
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifest_references_pk', ['manifest', 'target'])
      .execute();
    await db.schema.createIndex('manifest_references_target').on('manifest_references').column('target').execute();
    await db.schema.createTable('tags')
      .addColumn('repository', 'text', (c) => name(c).references('repositories.name').onDelete('cascade'))
      .addColumn('name', 'text', (c) => name(c))
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tags_pk', ['repository', 'name'])
      .execute();
    await db.schema.createIndex('tags_digest').on('tags').columns(['repository', 'digest']).execute();
    await db.schema.createTable('uploads')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('uploads_updated_at').on('uploads').column('updated_at').execute();
  },
});
