import { Kysely, sql } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { ManifestMediaType } from '../oci/media-types.ts';
import type { Reference, RepoName, Tag } from '../oci/names.ts';
import { AlertRepoImpl } from './alert.repo.ts';
import { AnalysisCacheRepoImpl, type AnalysisCacheRepo } from './analysis-cache.repo.ts';
import { AuditRepoImpl } from './audit.repo.ts';
import { GcRepoImpl, type GcRepo } from './gc.repo.ts';
import { RetentionRepoImpl, type RetentionRepo } from './retention.repo.ts';
import { BlobRepoImpl } from './blob.repo.ts';
import type { MetaDialect } from './dialects/dialect.ts';
import type { IdentityStore } from './identity-store.ts';
import { IpRuleRepoImpl } from './ip-rule.repo.ts';
import { ManifestRepoImpl } from './manifest.repo.ts';
import { MemberRepoImpl } from './member.repo.ts';
import { migrateToLatest } from './migrations.ts';
import { ProjectRepoImpl } from './project.repo.ts';
import { PromotionGateRepoImpl, type PromotionGateRepo } from './promotion-gate.repo.ts';
import { RepositoryRepoImpl } from './repository.repo.ts';
import { RobotRepoImpl } from './robot.repo.ts';
import type { Database } from './schema.ts';
import { ScanRepoImpl, type ScanRepo } from './scan.repo.ts';
import { SettingRepoImpl } from './setting.repo.ts';
import { StorageStatsRepoImpl, type StorageStatsRepo } from './storage-stats.repo.ts';
import { TagRepoImpl } from './tag.repo.ts';
import { TagDetailRepoImpl, type TagDetailRepo } from './tag-detail.repo.ts';
import { TagRuleRepoImpl, type TagRuleRepo } from './tag-rule.repo.ts';
import { TagHistoryRepoImpl, type TagChangeContext, type TagHistoryRepo } from './tag-history.repo.ts';
import { TeamRepoImpl } from './team.repo.ts';
import { TrustRepoImpl, type TrustRepo } from './trust.repo.ts';
import { UploadRepoImpl } from './upload.repo.ts';
import { UserRepoImpl } from './user.repo.ts';
import { VulnDbRepoImpl, type VulnDbRepo } from './vulndb.repo.ts';

/** A page request: at most `n` names (all when undefined) strictly after `last`, ascending bytewise. */
export interface Page {
  n?: number;
  last?: string;
}

export interface PageResult<T> {
  items: T[];
  /** True when more items follow the last one returned. */
  hasMore: boolean;
}

export interface RepositoryRepo {
  list(page: Page): Promise<PageResult<RepoName>>;
  exists(name: RepoName): Promise<boolean>;
}

export interface BlobRepo {
  /** The blob's size when `digest` is linked into `repo`, else undefined. One indexed lookup (hot path). */
  findLinked(repo: RepoName, digest: Digest): Promise<{ sizeBytes: number } | undefined>;
  /** The blob's size when any repository holds it, else undefined. */
  find(digest: Digest): Promise<{ sizeBytes: number } | undefined>;
  /** Up to `limit` repositories that link `digest` (candidates for a cross-repository mount). */
  repositoriesLinking(digest: Digest, limit: number): Promise<RepoName[]>;
  /**
   * Records the blob (once per digest) and links it into `repo`, creating the repository. With
   * `completesUpload`, that upload session is removed in the same transaction. Idempotent; safe concurrently.
   */
  link(repo: RepoName, digest: Digest, sizeBytes: number, opts?: { completesUpload?: string }): Promise<void>;
  /**
   * Links a blob that is already stored (a cross-repository mount) without recording it: false, and nothing
   * linked, when no blob row exists any more (garbage collection took it). Idempotent; safe concurrently.
   */
  linkExisting(repo: RepoName, digest: Digest): Promise<boolean>;
  /**
   * Records (or refreshes the time of) the blob row before an upload makes its bytes visible, so garbage
   * collection, which deletes a row before its file and re-checks the row afterwards, never removes bytes a
   * new upload has just written (docs/design/retention-and-gc.md). Idempotent.
   */
  reserve(digest: Digest, sizeBytes: number): Promise<void>;
  /** Removes the link; refuses ('referenced') while a manifest of `repo` still points at the blob. */
  unlink(repo: RepoName, digest: Digest): Promise<'unlinked' | 'absent' | 'referenced'>;
}

export interface StoredManifest {
  digest: Digest;
  mediaType: ManifestMediaType;
  sizeBytes: number;
  content: Buffer;
}

export interface PutManifestInput {
  repo: RepoName;
  digest: Digest;
  mediaType: ManifestMediaType;
  content: Buffer;
  /** Blobs the manifest needs in `repo` (config, layers). */
  blobs: Digest[];
  /** Manifests the index needs in `repo`. */
  manifests: Digest[];
  subject?: Digest;
  artifactType?: string;
  annotations?: Record<string, string>;
  tag?: Tag;
  /** Recorded in tag history when `tag` moves (default: a push by `system`). */
  change?: TagChangeContext;
  /**
   * What the caller saw `tag` point at when it checked its tag rules (undefined digest: absent). When given and
   * the tag now points elsewhere, nothing is stored and BerthError CONFLICT (detail.reason 'tag-moved') is thrown.
   */
  tagExpected?: { digest: Digest | undefined };
}

export interface ReferrerDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ManifestRepo {
  /**
   * In one transaction: checks that every blob and child manifest is present in the repository (else throws
   * MANIFEST_BLOB_UNKNOWN naming them), stores the bytes once per digest, links the manifest into the
   * repository, records its references and points `tag` at it (last writer wins). Idempotent. `movedFrom`: the
   * digest `tag` pointed at before, when this put moved it from another one.
   */
  put(input: PutManifestInput): Promise<{ movedFrom?: Digest }>;
  /** The manifest a tag or digest names in `repo`, or undefined. Hot path: one indexed query. */
  get(repo: RepoName, ref: Reference): Promise<StoredManifest | undefined>;
  /**
   * Unlinks the manifest from `repo` and removes the tags pointing at it (each recorded in tag history with
   * `change`, default a delete by `system`); refuses ('referenced') while an index in the repository still lists it.
   */
  delete(repo: RepoName, digest: Digest, change?: TagChangeContext): Promise<'deleted' | 'absent' | 'referenced'>;
  /** Manifests in `repo` whose `subject` is `subject`, optionally only of `artifactType`. */
  referrers(repo: RepoName, subject: Digest, artifactType?: string): Promise<ReferrerDescriptor[]>;
}

export interface TagRepo {
  /** Throws nothing for an unknown repository: an empty page (the caller decides NAME_UNKNOWN). */
  list(repo: RepoName, page: Page): Promise<PageResult<Tag>>;
  /**
   * Removes exactly this tag (never its siblings) and records it in tag history with `change` (default a delete
   * by `system`) in the same transaction. False when it did not exist, or (with `expected`) when it points
   * elsewhere now: retention never deletes a tag that moved after it was evaluated.
   */
  delete(repo: RepoName, tag: Tag, change?: TagChangeContext, expected?: Digest): Promise<boolean>;
}

export interface UploadSession {
  id: string;
  repo: RepoName;
  createdAt: number;
  updatedAt: number;
}

export interface UploadRepo {
  create(session: UploadSession): Promise<void>;
  find(id: string): Promise<UploadSession | undefined>;
  /** Marks activity so the session is not swept as abandoned. */
  touch(id: string, at: number): Promise<void>;
  /** Idempotent. */
  delete(id: string): Promise<void>;
  /** Ids of sessions untouched since `before`, oldest first. */
  idleSince(before: number, limit: number): Promise<string[]>;
}

export interface MetaStore extends IdentityStore {
  readonly dialect: MetaDialect['name'];
  readonly repositories: RepositoryRepo;
  readonly blobs: BlobRepo;
  readonly manifests: ManifestRepo;
  readonly tags: TagRepo;
  /** Every move of every tag, and compare-and-set moves (tag-history.repo.ts). */
  readonly tagHistory: TagHistoryRepo;
  readonly uploads: UploadRepo;
  /** Tags with their digests and push times (tag-detail.repo.ts). */
  readonly tagDetails: TagDetailRepo;
  /** Naming and immutable tag rules, production flags (tag-rule.repo.ts). */
  readonly tagRules: TagRuleRepo;
  /** Storage figures per repository, project and registry (storage-stats.repo.ts). */
  readonly storage: StorageStatsRepo;
  /** Cached image analyses (analysis-cache.repo.ts). */
  readonly analyses: AnalysisCacheRepo;
  /** Garbage collection's graph, its re-checked deletes and job leases (gc.repo.ts). */
  readonly gc: GcRepo;
  /** Retention policies and what their runs read (retention.repo.ts). */
  readonly retention: RetentionRepo;
  /** Scan results, queued scan jobs, vulnerability policies and exceptions (scan.repo.ts). */
  readonly scans: ScanRepo;
  /** Trust policies and the manifest lookups pull policies need (trust.repo.ts). */
  readonly trust: TrustRepo;
  /** The vulnerability database (vulndb.repo.ts). */
  readonly vulndb: VulnDbRepo;
  /** Promotion gates per project (promotion-gate.repo.ts). */
  readonly promotionGates: PromotionGateRepo;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

/** Opens the store on a configured dialect and applies pending migrations. */
export async function openMetaStore(dialect: MetaDialect, now: () => number = Date.now): Promise<MetaStore> {
  const db = new Kysely<Database>({ dialect: dialect.dialect });
  try {
    await migrateToLatest(db, dialect.name);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let closed = false;
  return {
    dialect: dialect.name,
    repositories: new RepositoryRepoImpl(db),
    blobs: new BlobRepoImpl(db, now, dialect.name),
    manifests: new ManifestRepoImpl(db, now, dialect.name),
    tags: new TagRepoImpl(db, now),
    tagHistory: new TagHistoryRepoImpl(db, now),
    uploads: new UploadRepoImpl(db),
    tagDetails: new TagDetailRepoImpl(db),
    tagRules: new TagRuleRepoImpl(db, now),
    storage: new StorageStatsRepoImpl(db),
    analyses: new AnalysisCacheRepoImpl(db),
    gc: new GcRepoImpl(db, dialect.name),
    retention: new RetentionRepoImpl(db),
    scans: new ScanRepoImpl(db),
    trust: new TrustRepoImpl(db),
    vulndb: new VulnDbRepoImpl(db),
    promotionGates: new PromotionGateRepoImpl(db, now),
    users: new UserRepoImpl(db, now),
    teams: new TeamRepoImpl(db, now),
    projects: new ProjectRepoImpl(db, now),
    members: new MemberRepoImpl(db, now),
    robots: new RobotRepoImpl(db, now),
    ipRules: new IpRuleRepoImpl(db, now),
    settings: new SettingRepoImpl(db, now),
    audit: new AuditRepoImpl(db, dialect.name),
    alerts: new AlertRepoImpl(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
