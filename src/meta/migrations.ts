import { Migrator, sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './dialects/dialect.ts';

/**
 * Versioned migrations, applied in order at start-up. Never edit a released migration: add the next one.
 * `dialect` picks the few column types the two engines spell differently; everything else is shared SQL.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  // Names sort bytewise in both engines, so tag and catalog pagination is lexical everywhere.
  const name = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.notNull().modifyEnd(sql`collate "C"`) : col.notNull();
  // The same bytewise order for a name column that may be null.
  const nullableName = (col: ColumnDefinitionBuilder) => (dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`) : col);

  return {
    '0001_registry_core': {
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
    },
    '0002_identity': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => name(c).unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('is_admin', 'integer', (c) => c.notNull())
          .addColumn('is_disabled', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createTable('teams')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => name(c).unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createTable('team_members')
          .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
          .execute();
        await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute();
        await db.schema.createTable('projects')
          .addColumn('name', 'text', (c) => name(c).primaryKey())
          .addColumn('is_public', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        // Grants name a user or a team, so subject_id has no foreign key: the user and team repos remove them.
        await db.schema.createTable('project_members')
          .addColumn('project', 'text', (c) => name(c).references('projects.name').onDelete('cascade'))
          .addColumn('subject_kind', 'text', (c) => c.notNull())
          .addColumn('subject_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('pattern', 'text', (c) => name(c))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('project_members_pk', ['project', 'subject_kind', 'subject_id', 'pattern'])
          .execute();
        await db.schema.createIndex('project_members_subject').on('project_members').columns(['subject_kind', 'subject_id']).execute();
        await db.schema.createTable('robots')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => name(c).unique())
          .addColumn('project', 'text', (c) => nullableName(c).references('projects.name').onDelete('cascade'))
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('permissions', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('is_disabled', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('robots_project').on('robots').columns(['project', 'name']).execute();
        // scope_id is a project name or a robot id; the project and robot repos remove their rules.
        await db.schema.createTable('ip_rules')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('scope_id', 'text', (c) => name(c))
          .addColumn('effect', 'text', (c) => c.notNull())
          .addColumn('cidr', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ip_rules_scope').on('ip_rules').columns(['scope', 'scope_id']).execute();
        await db.schema.createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createTable('audit_events')
          .addColumn('seq', 'bigint', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor_kind', 'text', (c) => c.notNull())
          .addColumn('actor_name', 'text', (c) => name(c))
          .addColumn('source_ip', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('project', 'text', (c) => nullableName(c))
          .addColumn('repository', 'text')
          .addColumn('reference', 'text')
          .addColumn('digest', 'text')
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        // Queries filter on one of these and page by seq; retention scans by time.
        await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
        await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_name', 'seq']).execute();
        await db.schema.createIndex('audit_events_project').on('audit_events').columns(['project', 'seq']).execute();
        await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'seq']).execute();
        await db.schema.createTable('audit_chain')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('head_seq', 'bigint', (c) => c.notNull())
          .addColumn('head_hash', 'text', (c) => c.notNull())
          .addColumn('anchor', 'text', (c) => c.notNull())
          .execute();
        await db.insertInto('audit_chain').values({ id: 1, head_seq: 0, head_hash: '', anchor: '' }).execute();
        await db.schema.createTable('alerts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('principal', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('acknowledged_at', 'bigint')
          .addColumn('acknowledged_by', 'text')
          .execute();
        await db.schema.createIndex('alerts_at').on('alerts').column('at').execute();
      },
    },
    // Image analyses (#6), cached per manifest digest and platform; recomputed when the engine's schema
    // version changes. The waste figures are lifted out of the JSON so storage reports rank in SQL.
    '0003_image_analyses': {
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
    },
  };
}

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/** Applies every pending migration; throws with the failing migration's name. Safe to run on every start. */
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect), migrationTableName: 'berth_migrations', migrationLockTableName: 'berth_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`metadata migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
