import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { Database } from './schema.ts';

/** A project's retention rules as stored: JSON the retention service validates. */
export interface StoredRetentionPolicy {
  project: string;
  rules: string;
  updatedBy: string;
  updatedAt: number;
}

export interface ProjectTag {
  repository: RepoName;
  tag: string;
  digest: Digest;
  /** Last push or move of the tag. */
  pushedAt: number;
}

/** Retention policies and what evaluating them reads (#4). */
export interface RetentionRepo {
  get(project: string): Promise<StoredRetentionPolicy | undefined>;
  /** Creates or replaces the project's policy. The project must exist (else a foreign key error). */
  put(policy: StoredRetentionPolicy): Promise<void>;
  /** False when the project had no policy. */
  delete(project: string): Promise<boolean>;
  /** Projects with a policy, ascending. */
  projects(): Promise<string[]>;
  /** Every tag of every repository of `project` (first path component), by repository then tag. */
  tagsOf(project: string): Promise<ProjectTag[]>;
  /**
   * The last successful pull of each manifest of `project` since `since`, from the audit log (registry.pull
   * events; the audit writer coalesces repeats but keeps the newest time).
   */
  lastPulls(project: string, since: number): Promise<Array<{ repository: RepoName; digest: Digest; at: number }>>;
}

export class RetentionRepoImpl implements RetentionRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(project: string): Promise<StoredRetentionPolicy | undefined> {
    const row = await this.db.selectFrom('retention_policies').selectAll().where('project', '=', project).executeTakeFirst();
    return row && { project: row.project, rules: row.rules, updatedBy: row.updated_by, updatedAt: Number(row.updated_at) };
  }

  async put(p: StoredRetentionPolicy): Promise<void> {
    await this.db
      .insertInto('retention_policies')
      .values({ project: p.project, rules: p.rules, updated_by: p.updatedBy, updated_at: p.updatedAt })
      .onConflict((oc) => oc.column('project').doUpdateSet({ rules: p.rules, updated_by: p.updatedBy, updated_at: p.updatedAt }))
      .execute();
  }

  async delete(project: string): Promise<boolean> {
    const result = await this.db.deleteFrom('retention_policies').where('project', '=', project).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async projects(): Promise<string[]> {
    return (await this.db.selectFrom('retention_policies').select('project').orderBy('project').execute()).map((r) => r.project);
  }

  async tagsOf(project: string): Promise<ProjectTag[]> {
    // A bytewise range ('acme/' <= name < 'acme0') rather than LIKE, whose _ and % would match other projects.
    const rows = await this.db
      .selectFrom('tags')
      .select(['repository', 'name', 'digest', 'updated_at'])
      .where('repository', '>=', `${project}/`)
      .where('repository', '<', `${project}0`)
      .orderBy('repository')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ repository: r.repository as RepoName, tag: r.name, digest: r.digest as Digest, pushedAt: Number(r.updated_at) }));
  }

  async lastPulls(project: string, since: number): Promise<Array<{ repository: RepoName; digest: Digest; at: number }>> {
    const rows = await this.db
      .selectFrom('audit_events')
      .select((eb) => ['repository', 'digest', eb.fn.max('at').as('at')])
      .where('project', '=', project)
      .where('action', '=', 'registry.pull')
      .where('result', '=', 'success')
      .where('at', '>=', since)
      .where('digest', 'is not', null)
      .groupBy(['repository', 'digest'])
      .execute();
    return rows.flatMap((r) => (r.repository && r.digest ? [{ repository: r.repository as RepoName, digest: r.digest as Digest, at: Number(r.at) }] : []));
  }
}
