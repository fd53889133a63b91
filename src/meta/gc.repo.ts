import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { DialectName } from './dialects/dialect.ts';
import { usersInRepository } from './reference-queries.ts';
import type { Database } from './schema.ts';

/**
 * What garbage collection reads and deletes (#4). Reads are a snapshot of the reference graph (the mark works on
 * it in memory); every delete is its own short transaction that locks the row first (PostgreSQL: FOR UPDATE;
 * SQLite transactions are serialized anyway) and re-checks, with fresh reads, that nothing references it any
 * more and that it is older than the grace period. A concurrent push either committed first (the re-check sees
 * it and the row is kept) or waits on the lock and then finds the row gone (MANIFEST_BLOB_UNKNOWN), because the
 * manifest put locks the rows it depends on (FOR SHARE) and a re-push refreshes `created_at`.
 */

export interface GraphManifest {
  repository: RepoName;
  digest: Digest;
  /** When the manifest was (last) linked into the repository. */
  createdAt: number;
  subject: Digest | null;
}

export interface GraphBlobLink {
  repository: RepoName;
  digest: Digest;
  createdAt: number;
}

export interface GraphReference {
  manifest: Digest;
  target: Digest;
  kind: 'blob' | 'manifest';
}

/** The whole reference graph, read at one moment (each list in one query). */
export interface GcGraph {
  manifests: GraphManifest[];
  tags: Array<{ repository: RepoName; name: string; digest: Digest; updatedAt: number }>;
  references: GraphReference[];
  blobLinks: GraphBlobLink[];
  /** Every blob row with its size and creation time, linked or not. */
  blobs: Array<{ digest: Digest; sizeBytes: number; createdAt: number }>;
  /** Every manifest row (linked or not) with its size. */
  manifestRows: Array<{ digest: Digest; sizeBytes: number; createdAt: number }>;
  /** Digests tag history mentions (from or to) in each repository since the history window's start. */
  history: Array<{ repository: RepoName; digest: Digest }>;
}

export interface GcRepo {
  /** A snapshot of the graph; history rows from `historySince` on. Read-only, safe concurrently. */
  graph(historySince: number): Promise<GcGraph>;
  /**
   * Unlinks `digest` from `repo` when, re-checked now: linked before `graceBefore`, no tag of `repo` points at
   * it, no index of `repo` outside `garbage` lists it, and its subject (if any) is not linked in `repo` outside
   * `garbage`. Tags are never removed here. Returns whether it was unlinked.
   */
  unlinkManifest(repo: RepoName, digest: Digest, graceBefore: number, garbage: ReadonlySet<string>): Promise<boolean>;
  /** Unlinks blob `digest` from `repo` when linked before `graceBefore` and no manifest of `repo` uses it. */
  unlinkBlob(repo: RepoName, digest: Digest, graceBefore: number): Promise<boolean>;
  /** Deletes the manifest row (and its references) when no repository links it. */
  deleteManifest(digest: Digest): Promise<boolean>;
  /**
   * Deletes the blob row when no repository links it and it was created (or reserved again by an upload)
   * before `graceBefore`. Only after this returned true may the caller remove the file (see BlobRepo.reserve).
   */
  deleteBlob(digest: Digest, graceBefore: number): Promise<boolean>;
  /** True when a blob row for `digest` exists (a new upload reserved or linked it). */
  blobRowExists(digest: Digest): Promise<boolean>;
  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs`; false while another holder's lease has
   * not expired, unless that holder is `staleHolder` (one the caller knows is dead). Safe across processes
   * sharing the store.
   */
  acquireLease(name: string, holder: string, ttlMs: number, now: number, staleHolder?: string): Promise<boolean>;
  /** Who holds the lease `name` (expired or not), if anyone. */
  leaseHolder(name: string): Promise<string | undefined>;
  /** Gives the lease up if `holder` holds it; idempotent. */
  releaseLease(name: string, holder: string): Promise<void>;
}

export class GcRepoImpl implements GcRepo {
  /** Rows a delete re-checks are locked FOR UPDATE in PostgreSQL; SQLite serializes write transactions anyway. */
  private readonly isPostgres: boolean;

  constructor(private readonly db: Kysely<Database>, dialect: DialectName) {
    this.isPostgres = dialect === 'postgres';
  }

  async graph(historySince: number): Promise<GcGraph> {
    const db = this.db;
    const [manifests, tags, references, blobLinks, blobs, manifestRows, history] = await Promise.all([
      db.selectFrom('repository_manifests as rm').innerJoin('manifests as m', 'm.digest', 'rm.digest').select(['rm.repository', 'rm.digest', 'rm.created_at', 'm.subject']).execute(),
      db.selectFrom('tags').select(['repository', 'name', 'digest', 'updated_at']).execute(),
      db.selectFrom('manifest_references').select(['manifest', 'target', 'kind']).execute(),
      db.selectFrom('repository_blobs').select(['repository', 'digest', 'created_at']).execute(),
      db.selectFrom('blobs').select(['digest', 'size_bytes', 'created_at']).execute(),
      db.selectFrom('manifests').select(['digest', 'size_bytes', 'created_at']).execute(),
      db.selectFrom('tag_history').select(['repository', 'from_digest', 'to_digest']).where('at', '>=', historySince).execute(),
    ]);
    return {
      manifests: manifests.map((r) => ({ repository: r.repository as RepoName, digest: r.digest as Digest, createdAt: Number(r.created_at), subject: r.subject as Digest | null })),
      tags: tags.map((r) => ({ repository: r.repository as RepoName, name: r.name, digest: r.digest as Digest, updatedAt: Number(r.updated_at) })),
      references: references.map((r) => ({ manifest: r.manifest as Digest, target: r.target as Digest, kind: r.kind })),
      blobLinks: blobLinks.map((r) => ({ repository: r.repository as RepoName, digest: r.digest as Digest, createdAt: Number(r.created_at) })),
      blobs: blobs.map((r) => ({ digest: r.digest as Digest, sizeBytes: Number(r.size_bytes), createdAt: Number(r.created_at) })),
      manifestRows: manifestRows.map((r) => ({ digest: r.digest as Digest, sizeBytes: Number(r.size_bytes), createdAt: Number(r.created_at) })),
      history: history.flatMap((r) =>
        [r.from_digest, r.to_digest].filter((d): d is string => d !== null).map((d) => ({ repository: r.repository as RepoName, digest: d as Digest }))),
    };
  }

  async unlinkManifest(repo: RepoName, digest: Digest, graceBefore: number, garbage: ReadonlySet<string>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('repository_manifests').select('created_at').where('repository', '=', repo).where('digest', '=', digest).$if(this.isPostgres, (q) => q.forUpdate()).executeTakeFirst();
      if (!row || Number(row.created_at) >= graceBefore) return false;
      const tagged = await trx.selectFrom('tags').select('name').where('repository', '=', repo).where('digest', '=', digest).limit(1).executeTakeFirst();
      if (tagged) return false;
      const parents = await usersInRepository(trx, repo, digest, { kind: 'manifest' });
      if (parents.some((p) => !garbage.has(p))) return false;
      const subject = await trx
        .selectFrom('manifests as m')
        .innerJoin('repository_manifests as rm', (j) => j.onRef('rm.digest', '=', 'm.subject').on('rm.repository', '=', repo))
        .select('rm.digest')
        .where('m.digest', '=', digest)
        .executeTakeFirst();
      if (subject && !garbage.has(subject.digest)) return false;
      await trx.deleteFrom('repository_manifests').where('repository', '=', repo).where('digest', '=', digest).execute();
      return true;
    });
  }

  async unlinkBlob(repo: RepoName, digest: Digest, graceBefore: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('repository_blobs').select('created_at').where('repository', '=', repo).where('digest', '=', digest).$if(this.isPostgres, (q) => q.forUpdate()).executeTakeFirst();
      if (!row || Number(row.created_at) >= graceBefore) return false;
      if ((await usersInRepository(trx, repo, digest, { limit: 1 })).length > 0) return false;
      await trx.deleteFrom('repository_blobs').where('repository', '=', repo).where('digest', '=', digest).execute();
      return true;
    });
  }

  async deleteManifest(digest: Digest): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('manifests').select('digest').where('digest', '=', digest).$if(this.isPostgres, (q) => q.forUpdate()).executeTakeFirst();
      if (!row) return false;
      const linked = await trx.selectFrom('repository_manifests').select('repository').where('digest', '=', digest).limit(1).executeTakeFirst();
      if (linked) return false;
      await trx.deleteFrom('manifest_references').where('manifest', '=', digest).execute();
      await trx.deleteFrom('manifests').where('digest', '=', digest).execute();
      return true;
    });
  }

  async deleteBlob(digest: Digest, graceBefore: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('blobs').select('created_at').where('digest', '=', digest).$if(this.isPostgres, (q) => q.forUpdate()).executeTakeFirst();
      if (!row || Number(row.created_at) >= graceBefore) return false;
      const linked = await trx.selectFrom('repository_blobs').select('repository').where('digest', '=', digest).limit(1).executeTakeFirst();
      if (linked) return false;
      await trx.deleteFrom('blobs').where('digest', '=', digest).execute();
      return true;
    });
  }

  async blobRowExists(digest: Digest): Promise<boolean> {
    return (await this.db.selectFrom('blobs').select('digest').where('digest', '=', digest).executeTakeFirst()) !== undefined;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: number, staleHolder?: string): Promise<boolean> {
    await this.db
      .insertInto('job_leases')
      .values({ name, holder, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc.column('name')
          .doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), expires_at: eb.ref('excluded.expires_at') }))
          .where((eb) => eb.or([eb('job_leases.expires_at', '<=', now), eb('job_leases.holder', 'in', [holder, staleHolder ?? holder])])))
      .execute();
    const row = await this.db.selectFrom('job_leases').select('holder').where('name', '=', name).executeTakeFirst();
    return row?.holder === holder;
  }

  async leaseHolder(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('job_leases').select('holder').where('name', '=', name).executeTakeFirst())?.holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
