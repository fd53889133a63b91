import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { Database } from './schema.ts';

/** A stored scan result; the inventory and findings stay JSON text here (meta/ knows nothing of scan/). */
export interface ScanResultRow {
  digest: Digest;
  inventoryJson: string;
  findingsJson: string;
  revision: string;
  worstSeverity: string;
  findingCount: number;
  scannedAt: number;
  matchedAt: number;
}

export interface ScanJobRow {
  kind: 'scan' | 'rematch';
  repository: RepoName;
  digest: Digest;
  /** Lower runs first. */
  priority: number;
  requestedAt: number;
}

export interface ImageInRepository {
  repository: RepoName;
  digest: Digest;
  mediaType: string;
  tags: Tag[];
}

export interface ScanExceptionRow {
  id: string;
  project: string;
  vulnerabilityId: string;
  repository: RepoName | null;
  digest: Digest | null;
  owner: string;
  justification: string;
  expiresAt: number;
  createdBy: string;
  createdAt: number;
}

export interface ScanRepo {
  /** Stores or replaces the result of `digest` with the ids and aliases it is affected by, in one transaction. */
  putResult(row: ScanResultRow, vulnerabilityIds: readonly string[]): Promise<void>;
  findResult(digest: Digest): Promise<ScanResultRow | undefined>;
  /** Digests with a stored result strictly after `after`, ascending, at most `limit` (for re-matching all). */
  resultDigests(after: string, limit: number): Promise<Digest[]>;
  /** Repositories linking the manifest `digest`, ascending. */
  repositoriesOf(digest: Digest): Promise<RepoName[]>;
  /** Manifests (images and indexes, never artifacts) whose result lists `id` as an id or an alias, per repository. */
  affectedBy(id: string, limit: number): Promise<ImageInRepository[]>;
  /**
   * Image manifests and indexes (never artifacts: no subject, no artifactType) linked into `repository`, or into
   * any repository when undefined; ordered by repository then digest, strictly after `after`, at most `limit`.
   */
  images(scope: { repository?: RepoName }, after: { repository: string; digest: string } | undefined, limit: number): Promise<ImageInRepository[]>;
  /** Queues a job once per (kind, digest): an already queued job keeps the lower (more urgent) priority. */
  enqueue(job: ScanJobRow): Promise<void>;
  /** Idempotent. */
  dequeue(kind: ScanJobRow['kind'], digest: Digest): Promise<void>;
  /** Every queued job, most urgent first then oldest. */
  queuedJobs(): Promise<ScanJobRow[]>;
  /** JSON text of each project's scan policy. */
  policies(): Promise<Array<{ project: string; policyJson: string }>>;
  putPolicy(project: string, policyJson: string, at: number): Promise<void>;
  addException(row: ScanExceptionRow): Promise<void>;
  /** Every exception of `project` (expired ones too), by id. */
  exceptions(project: string): Promise<ScanExceptionRow[]>;
  /** Every exception of every project, for the pull policy's in-memory view. */
  allExceptions(): Promise<ScanExceptionRow[]>;
  /** False when absent. */
  deleteException(project: string, id: string): Promise<boolean>;
}

const IMAGE_CONFIG_TYPES = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];

const toResult = (r: Database['scan_results']): ScanResultRow => ({
  digest: r.digest as Digest,
  inventoryJson: r.inventory,
  findingsJson: r.findings,
  revision: r.revision,
  worstSeverity: r.worst_severity,
  findingCount: Number(r.finding_count),
  scannedAt: Number(r.scanned_at),
  matchedAt: Number(r.matched_at),
});

const toException = (r: Database['scan_exceptions']): ScanExceptionRow => ({
  id: r.id,
  project: r.project,
  vulnerabilityId: r.vulnerability_id,
  repository: r.repository as RepoName | null,
  digest: r.digest as Digest | null,
  owner: r.owner,
  justification: r.justification,
  expiresAt: Number(r.expires_at),
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

export class ScanRepoImpl implements ScanRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async putResult(row: ScanResultRow, vulnerabilityIds: readonly string[]): Promise<void> {
    const values = {
      digest: row.digest, inventory: row.inventoryJson, findings: row.findingsJson, revision: row.revision,
      worst_severity: row.worstSeverity, finding_count: row.findingCount, scanned_at: row.scannedAt, matched_at: row.matchedAt,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('scan_results').values(values)
        .onConflict((oc) => oc.column('digest').doUpdateSet((eb) => ({
          inventory: eb.ref('excluded.inventory'), findings: eb.ref('excluded.findings'), revision: eb.ref('excluded.revision'),
          worst_severity: eb.ref('excluded.worst_severity'), finding_count: eb.ref('excluded.finding_count'),
          scanned_at: eb.ref('excluded.scanned_at'), matched_at: eb.ref('excluded.matched_at'),
        })))
        .execute();
      await tx.deleteFrom('scan_vulnerability_ids').where('digest', '=', row.digest).execute();
      const ids = [...new Set(vulnerabilityIds)];
      for (let i = 0; i < ids.length; i += 200) {
        await tx.insertInto('scan_vulnerability_ids').values(ids.slice(i, i + 200).map((id) => ({ digest: row.digest, vulnerability_id: id }))).execute();
      }
    });
  }

  async findResult(digest: Digest): Promise<ScanResultRow | undefined> {
    const row = await this.db.selectFrom('scan_results').selectAll().where('digest', '=', digest).executeTakeFirst();
    return row && toResult(row);
  }

  async resultDigests(after: string, limit: number): Promise<Digest[]> {
    const rows = await this.db.selectFrom('scan_results').select('digest').where('digest', '>', after).orderBy('digest').limit(limit).execute();
    return rows.map((r) => r.digest as Digest);
  }

  async repositoriesOf(digest: Digest): Promise<RepoName[]> {
    const rows = await this.db.selectFrom('repository_manifests').select('repository').where('digest', '=', digest).orderBy('repository').execute();
    return rows.map((r) => r.repository as RepoName);
  }

  async affectedBy(id: string, limit: number): Promise<ImageInRepository[]> {
    const rows = await this.db
      .selectFrom('scan_vulnerability_ids as v')
      .innerJoin('repository_manifests as rm', 'rm.digest', 'v.digest')
      .innerJoin('manifests as m', 'm.digest', 'v.digest')
      .select(['rm.repository', 'm.digest', 'm.media_type'])
      .where('v.vulnerability_id', '=', id)
      .orderBy('rm.repository').orderBy('m.digest')
      .limit(limit)
      .execute();
    return this.withTags(rows);
  }

  async images(scope: { repository?: RepoName }, after: { repository: string; digest: string } | undefined, limit: number): Promise<ImageInRepository[]> {
    let q = this.db
      .selectFrom('repository_manifests as rm')
      .innerJoin('manifests as m', 'm.digest', 'rm.digest')
      .select(['rm.repository', 'm.digest', 'm.media_type'])
      .where('m.subject', 'is', null)
      // Images store their config media type as artifact_type (what the referrers API reports).
      .where((eb) => eb.or([eb('m.artifact_type', 'is', null), eb('m.artifact_type', 'in', IMAGE_CONFIG_TYPES)]));
    if (scope.repository !== undefined) q = q.where('rm.repository', '=', scope.repository);
    if (after) q = q.where((eb) => eb.or([eb('rm.repository', '>', after.repository), eb.and([eb('rm.repository', '=', after.repository), eb('m.digest', '>', after.digest)])]));
    const rows = await q.orderBy('rm.repository').orderBy('m.digest').limit(limit).execute();
    return this.withTags(rows);
  }

  private async withTags(rows: Array<{ repository: string; digest: string; media_type: string }>): Promise<ImageInRepository[]> {
    if (rows.length === 0) return [];
    const tags = await this.db.selectFrom('tags').select(['repository', 'name', 'digest'])
      .where('digest', 'in', [...new Set(rows.map((r) => r.digest))])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      repository: r.repository as RepoName,
      digest: r.digest as Digest,
      mediaType: r.media_type,
      tags: tags.filter((t) => t.repository === r.repository && t.digest === r.digest).map((t) => t.name as Tag),
    }));
  }

  async enqueue(job: ScanJobRow): Promise<void> {
    await this.db.insertInto('scan_jobs')
      .values({ job_key: `${job.kind}:${job.digest}`, kind: job.kind, repository: job.repository, digest: job.digest, priority: job.priority, requested_at: job.requestedAt })
      .onConflict((oc) => oc.column('job_key').doUpdateSet({ priority: job.priority }).where('scan_jobs.priority', '>', job.priority))
      .execute();
  }

  async dequeue(kind: ScanJobRow['kind'], digest: Digest): Promise<void> {
    await this.db.deleteFrom('scan_jobs').where('job_key', '=', `${kind}:${digest}`).execute();
  }

  async queuedJobs(): Promise<ScanJobRow[]> {
    const rows = await this.db.selectFrom('scan_jobs').selectAll().orderBy('priority').orderBy('requested_at').orderBy('job_key').execute();
    return rows.map((r) => ({ kind: r.kind as ScanJobRow['kind'], repository: r.repository as RepoName, digest: r.digest as Digest, priority: Number(r.priority), requestedAt: Number(r.requested_at) }));
  }

  async policies(): Promise<Array<{ project: string; policyJson: string }>> {
    const rows = await this.db.selectFrom('scan_policies').select(['project', 'policy']).orderBy('project').execute();
    return rows.map((r) => ({ project: r.project, policyJson: r.policy }));
  }

  async putPolicy(project: string, policyJson: string, at: number): Promise<void> {
    await this.db.insertInto('scan_policies').values({ project, policy: policyJson, updated_at: at })
      .onConflict((oc) => oc.column('project').doUpdateSet({ policy: policyJson, updated_at: at }))
      .execute();
  }

  async addException(row: ScanExceptionRow): Promise<void> {
    await this.db.insertInto('scan_exceptions').values({
      id: row.id, project: row.project, vulnerability_id: row.vulnerabilityId, repository: row.repository, digest: row.digest,
      owner: row.owner, justification: row.justification, expires_at: row.expiresAt, created_by: row.createdBy, created_at: row.createdAt,
    }).execute();
  }

  async exceptions(project: string): Promise<ScanExceptionRow[]> {
    const rows = await this.db.selectFrom('scan_exceptions').selectAll().where('project', '=', project).orderBy('id').execute();
    return rows.map(toException);
  }

  async allExceptions(): Promise<ScanExceptionRow[]> {
    const rows = await this.db.selectFrom('scan_exceptions').selectAll().orderBy('project').orderBy('id').execute();
    return rows.map(toException);
  }

  async deleteException(project: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('scan_exceptions').where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
