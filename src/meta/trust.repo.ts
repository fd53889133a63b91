import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { Database } from './schema.ts';

/** One project's trust policy as stored: the mode and the policy body as JSON text (trust/ parses it). */
export interface TrustPolicyRecord {
  project: string;
  mode: string;
  policyJson: string;
  updatedBy: string | null;
  updatedAt: number;
}

/** A manifest of a repository, as the pull policies judge it. */
export interface PolicyManifest {
  digest: Digest;
  mediaType: string;
  content: Buffer;
  /**
   * A referrer (the manifest has a subject) or tagged `sha256-<hex>.sig|.att|.sbom` in the repository (cosign's
   * classic signature, attestation and SBOM tags). An explicit `artifactType` is in `content` (the stored
   * artifact_type column also holds an image's config media type, so it cannot tell).
   */
  isArtifact: boolean;
}

export interface TrustRepo {
  /** Every stored policy (read whole at start: there is at most one per project). */
  list(): Promise<TrustPolicyRecord[]>;
  find(project: string): Promise<TrustPolicyRecord | undefined>;
  /** Creates or replaces the project's policy. Idempotent; last writer wins. */
  put(record: TrustPolicyRecord): Promise<void>;
  /** False when the project had no policy. */
  delete(project: string): Promise<boolean>;
  /** The manifests of `repo` that list `blob` as config or layer (at most `limit`). Indexed lookups. */
  manifestsUsingBlob(repo: RepoName, blob: Digest, limit: number): Promise<PolicyManifest[]>;
  /** The indexes of `repo` that list manifest `child` (at most `limit`). */
  indexesListing(repo: RepoName, child: Digest, limit: number): Promise<PolicyManifest[]>;
}

const SIGNATURE_TAG_PATTERNS = ['sha256-%.sig', 'sha256-%.att', 'sha256-%.sbom'];

export class TrustRepoImpl implements TrustRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<TrustPolicyRecord[]> {
    const rows = await this.db.selectFrom('trust_policies').selectAll().orderBy('project').execute();
    return rows.map(toRecord);
  }

  async find(project: string): Promise<TrustPolicyRecord | undefined> {
    const row = await this.db.selectFrom('trust_policies').selectAll().where('project', '=', project).executeTakeFirst();
    return row && toRecord(row);
  }

  async put(r: TrustPolicyRecord): Promise<void> {
    const values = { project: r.project, mode: r.mode, policy: r.policyJson, updated_by: r.updatedBy, updated_at: r.updatedAt };
    await this.db
      .insertInto('trust_policies')
      .values(values)
      .onConflict((oc) => oc.column('project').doUpdateSet({ mode: values.mode, policy: values.policy, updated_by: values.updated_by, updated_at: values.updated_at }))
      .execute();
  }

  async delete(project: string): Promise<boolean> {
    const result = await this.db.deleteFrom('trust_policies').where('project', '=', project).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  manifestsUsingBlob(repo: RepoName, blob: Digest, limit: number): Promise<PolicyManifest[]> {
    return this.referencing(repo, blob, 'blob', limit);
  }

  indexesListing(repo: RepoName, child: Digest, limit: number): Promise<PolicyManifest[]> {
    return this.referencing(repo, child, 'manifest', limit);
  }

  private async referencing(repo: RepoName, target: Digest, kind: 'blob' | 'manifest', limit: number): Promise<PolicyManifest[]> {
    const rows = await this.db
      .selectFrom('manifest_references as r')
      .innerJoin('repository_manifests as rm', 'rm.digest', 'r.manifest')
      .innerJoin('manifests as m', 'm.digest', 'r.manifest')
      .select(['m.digest', 'm.media_type', 'm.content', 'm.subject'])
      .where('r.target', '=', target)
      .where('r.kind', '=', kind)
      .where('rm.repository', '=', repo)
      .orderBy('m.digest')
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const tagged = await this.db
      .selectFrom('tags')
      .select('digest')
      .where('repository', '=', repo)
      .where('digest', 'in', rows.map((r) => r.digest))
      .where((eb) => eb.or(SIGNATURE_TAG_PATTERNS.map((p) => eb('name', 'like', p))))
      .execute();
    const signatureTagged = new Set(tagged.map((t) => t.digest));
    return rows.map((r) => ({
      digest: r.digest as Digest,
      mediaType: r.media_type,
      content: Buffer.from(r.content),
      isArtifact: r.subject !== null || signatureTagged.has(r.digest),
    }));
  }
}

function toRecord(row: { project: string; mode: string; policy: string; updated_by: string | null; updated_at: number }): TrustPolicyRecord {
  return { project: row.project, mode: row.mode, policyJson: row.policy, updatedBy: row.updated_by, updatedAt: Number(row.updated_at) };
}
