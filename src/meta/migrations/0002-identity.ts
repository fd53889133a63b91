import type { Kysely, Migration } from 'kysely';
import type { MigrationKit } from './migration-kit.ts';

export const migration0002_identity = ({ name, nullableName }: MigrationKit): Migration => ({
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
});
