import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { Database } from './schema.ts';

/**
 * Storage figures over the metadata (#4, #6), in SQL both dialects run. Sizes are the blob sizes recorded on
 * push; a manifest's own bytes are not counted.
 * - logical: what the images take if nothing were shared: per repository, the config and layers of every
 *   image manifest linked into it (an index adds nothing itself: its children are linked into the repository
 *   and counted there);
 * - physical: the distinct blobs linked into the repositories, each counted once;
 * - unique: the physical blobs no repository outside the set links (what deleting the set would free).
 */

/** Which repositories a figure covers. Both given: both apply. Neither: every repository. */
export interface StorageScope {
  /** Repositories in these projects (their first path component); an empty list covers nothing. */
  projects?: readonly string[];
  /** Exactly this repository. */
  repository?: RepoName;
}

export interface RepositoryStorageRow {
  repository: RepoName;
  /** Manifests linked into the repository (images, indexes, artifacts). */
  manifests: number;
  tags: number;
  /** Distinct blobs linked into the repository. */
  blobs: number;
  logicalBytes: number;
  physicalBytes: number;
  uniqueBytes: number;
}

export interface BlobTotals {
  /** Distinct blobs linked into the scope's repositories. */
  blobs: number;
  physicalBytes: number;
  /** Bytes of those blobs that no repository outside the scope links. */
  uniqueBytes: number;
}

export interface SharedLayerRow {
  digest: Digest;
  sizeBytes: number;
  /** Distinct manifests in scope that list the blob as a layer. */
  images: number;
  /** Distinct repositories in scope holding such a manifest. */
  repositories: number;
}

export interface ImageSizeRow {
  repository: RepoName;
  digest: Digest;
  mediaType: string;
  /** Config and layers; an index counts its children's. */
  logicalBytes: number;
  /** Tags pointing at the manifest in the repository, ascending. */
  tags: string[];
}

export interface ManifestUsingBlob {
  repository: RepoName;
  digest: Digest;
  /** The manifest's exact bytes. */
  content: Buffer;
  /** The bytewise-first tag pointing at it in the repository, if any. */
  tag: string | undefined;
}

export interface StorageStatsRepo {
  /** Every repository in scope with its figures, ordered by name. Read-only; safe concurrently. */
  repositories(scope: StorageScope): Promise<RepositoryStorageRow[]>;
  /** Distinct blobs of the whole scope (a project, a caller's projects, the registry). */
  blobTotals(scope: StorageScope): Promise<BlobTotals>;
  /**
   * Blobs listed as a layer by at least two manifests in scope, the most shared first (ties: larger first,
   * then by digest); at most `limit`. A blob used only as an image config is not a layer and is left out.
   */
  sharedLayers(scope: StorageScope, limit: number): Promise<SharedLayerRow[]>;
  /**
   * The largest manifests in scope by logical size, at most `limit`, per repository; a platform image listed by
   * an index in the same repository is left out (the index stands for it).
   */
  biggestImages(scope: StorageScope, limit: number): Promise<ImageSizeRow[]>;
  /** Manifests in scope listing `blob` (as config or layer), tagged ones first, then by repository; at most `limit`. */
  manifestsUsingBlob(blob: Digest, scope: StorageScope, limit: number): Promise<ManifestUsingBlob[]>;
}

type Eb = ExpressionBuilder<any, any>;

/** `column` names a repository in scope. Project ranges compare bytewise: `p/` <= name < `p0` ('0' follows '/'). */
export function repositoryInScope(eb: Eb, column: string, scope: StorageScope): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (scope.repository !== undefined) parts.push(eb(column, '=', scope.repository));
  if (scope.projects !== undefined) {
    parts.push(eb.or(scope.projects.map((p) => eb.or([eb(column, '=', p), eb.and([eb(column, '>=', `${p}/`), eb(column, '<', `${p}0`)])]))));
  }
  return eb.and(parts);
}

const num = (value: unknown): number => Number(value ?? 0);

export class StorageStatsRepoImpl implements StorageStatsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async repositories(scope: StorageScope): Promise<RepositoryStorageRow[]> {
    const db = this.db;
    const [names, manifests, tags, physical, unique, logical] = await Promise.all([
      db.selectFrom('repositories as x').select('x.name').where((eb) => repositoryInScope(eb, 'x.name', scope)).orderBy('x.name').execute(),
      db.selectFrom('repository_manifests as x').select(['x.repository', (eb) => eb.fn.countAll().as('n')])
        .where((eb) => repositoryInScope(eb, 'x.repository', scope)).groupBy('x.repository').execute(),
      db.selectFrom('tags as x').select(['x.repository', (eb) => eb.fn.countAll().as('n')])
        .where((eb) => repositoryInScope(eb, 'x.repository', scope)).groupBy('x.repository').execute(),
      db.selectFrom('repository_blobs as x').innerJoin('blobs as b', 'b.digest', 'x.digest')
        .select(['x.repository', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.sum('b.size_bytes').as('bytes')])
        .where((eb) => repositoryInScope(eb, 'x.repository', scope)).groupBy('x.repository').execute(),
      db.selectFrom('repository_blobs as x').innerJoin('blobs as b', 'b.digest', 'x.digest')
        .select(['x.repository', (eb) => eb.fn.sum('b.size_bytes').as('bytes')])
        .where((eb) => repositoryInScope(eb, 'x.repository', scope))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('repository_blobs as o').select('o.digest').whereRef('o.digest', '=', 'x.digest').whereRef('o.repository', '<>', 'x.repository'))))
        .groupBy('x.repository').execute(),
      db.selectFrom('repository_manifests as x')
        .innerJoin('manifest_references as r', 'r.manifest', 'x.digest')
        .innerJoin('blobs as b', 'b.digest', 'r.target')
        .select(['x.repository', (eb) => eb.fn.sum('b.size_bytes').as('bytes')])
        .where('r.kind', '=', 'blob')
        .where((eb) => repositoryInScope(eb, 'x.repository', scope)).groupBy('x.repository').execute(),
    ]);
    const by = <R extends { repository: string }>(rows: R[]) => new Map(rows.map((r) => [r.repository, r]));
    const [m, t, p, u, l] = [by(manifests), by(tags), by(physical), by(unique), by(logical)];
    return names.map(({ name }) => ({
      repository: name as RepoName,
      manifests: num(m.get(name)?.n),
      tags: num(t.get(name)?.n),
      blobs: num(p.get(name)?.n),
      logicalBytes: num(l.get(name)?.bytes),
      physicalBytes: num(p.get(name)?.bytes),
      uniqueBytes: num(u.get(name)?.bytes),
    }));
  }

  async blobTotals(scope: StorageScope): Promise<BlobTotals> {
    const linkedInScope = (eb: Eb) =>
      eb.exists(eb.selectFrom('repository_blobs as rb').select('rb.digest').whereRef('rb.digest', '=', 'b.digest').where((e) => repositoryInScope(e, 'rb.repository', scope)));
    const linkedOutside = (eb: Eb) =>
      eb.exists(eb.selectFrom('repository_blobs as o').select('o.digest').whereRef('o.digest', '=', 'b.digest').where((e) => e.not(repositoryInScope(e, 'o.repository', scope))));
    const row = await this.db
      .selectFrom('blobs as b')
      .select((eb) => [
        eb.fn.countAll().as('blobs'),
        eb.fn.sum('b.size_bytes').as('physical'),
        eb.fn.sum(eb.case().when(linkedOutside(eb)).then(sql<number>`0`).else(eb.ref('b.size_bytes')).end()).as('unique'),
      ])
      .where((eb) => linkedInScope(eb))
      .executeTakeFirst();
    return { blobs: num(row?.blobs), physicalBytes: num(row?.physical), uniqueBytes: num(row?.unique) };
  }

  async sharedLayers(scope: StorageScope, limit: number): Promise<SharedLayerRow[]> {
    // Configs are not told apart from layers in manifest_references: fetch a few more candidates and drop the
    // ones a sample manifest lists as its config.
    const rows = await this.db
      .selectFrom('manifest_references as r')
      .innerJoin('blobs as b', 'b.digest', 'r.target')
      .innerJoin('repository_manifests as rm', 'rm.digest', 'r.manifest')
      .select((eb) => [
        'r.target as digest',
        'b.size_bytes as size_bytes',
        eb.fn.count<number>('r.manifest').distinct().as('images'),
        eb.fn.count<number>('rm.repository').distinct().as('repositories'),
        eb.fn.min('r.manifest').as('sample'),
      ])
      .where('r.kind', '=', 'blob')
      .where((eb) => repositoryInScope(eb, 'rm.repository', scope))
      .groupBy(['r.target', 'b.size_bytes'])
      .having((eb) => eb.fn.count('r.manifest').distinct(), '>', 1)
      .orderBy((eb) => eb.fn.count('r.manifest').distinct(), 'desc')
      .orderBy('b.size_bytes', 'desc')
      .orderBy('r.target')
      .limit(limit + 16)
      .execute();
    const out: SharedLayerRow[] = [];
    for (const row of rows) {
      if (out.length >= limit) break;
      if (await this.isConfigOf(row.sample as string, row.digest)) continue;
      out.push({ digest: row.digest as Digest, sizeBytes: num(row.size_bytes), images: num(row.images), repositories: num(row.repositories) });
    }
    return out;
  }

  async biggestImages(scope: StorageScope, limit: number): Promise<ImageSizeRow[]> {
    const db = this.db;
    const own = db.selectFrom('manifest_references as r').innerJoin('blobs as b', 'b.digest', 'r.target')
      .select(['r.manifest as manifest', 'b.size_bytes as size_bytes']).where('r.kind', '=', 'blob');
    const children = db.selectFrom('manifest_references as r1')
      .innerJoin('manifest_references as r2', 'r2.manifest', 'r1.target')
      .innerJoin('blobs as b', 'b.digest', 'r2.target')
      .select(['r1.manifest as manifest', 'b.size_bytes as size_bytes'])
      .where('r1.kind', '=', 'manifest').where('r2.kind', '=', 'blob');
    const rows = await db
      .selectFrom('repository_manifests as rm')
      .innerJoin('manifests as m', 'm.digest', 'rm.digest')
      .innerJoin(own.unionAll(children).as('s'), 's.manifest', 'rm.digest')
      .select((eb) => ['rm.repository', 'rm.digest', 'm.media_type', eb.fn.sum('s.size_bytes').as('bytes')])
      .where((eb) => repositoryInScope(eb, 'rm.repository', scope))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('repository_manifests as p').innerJoin('manifest_references as pr', 'pr.manifest', 'p.digest').select('p.digest')
          .whereRef('p.repository', '=', 'rm.repository').whereRef('pr.target', '=', 'rm.digest').where('pr.kind', '=', 'manifest'))))
      .groupBy(['rm.repository', 'rm.digest', 'm.media_type'])
      .orderBy((eb) => eb.fn.sum('s.size_bytes'), 'desc')
      .orderBy('rm.repository')
      .orderBy('rm.digest')
      .limit(limit)
      .execute();
    return Promise.all(rows.map(async (row) => {
      const tags = await db.selectFrom('tags').select('name').where('repository', '=', row.repository).where('digest', '=', row.digest).orderBy('name').execute();
      return { repository: row.repository as RepoName, digest: row.digest as Digest, mediaType: row.media_type, logicalBytes: num(row.bytes), tags: tags.map((t) => t.name) };
    }));
  }

  async manifestsUsingBlob(blob: Digest, scope: StorageScope, limit: number): Promise<ManifestUsingBlob[]> {
    const rows = await this.db
      .selectFrom('manifest_references as r')
      .innerJoin('repository_manifests as rm', 'rm.digest', 'r.manifest')
      .leftJoin('tags as t', (j) => j.onRef('t.repository', '=', 'rm.repository').onRef('t.digest', '=', 'rm.digest'))
      .select((eb) => ['rm.repository', 'rm.digest', eb.fn.min('t.name').as('tag')])
      .where('r.target', '=', blob)
      .where('r.kind', '=', 'blob')
      .where((eb) => repositoryInScope(eb, 'rm.repository', scope))
      .groupBy(['rm.repository', 'rm.digest'])
      .orderBy((eb) => eb.case().when(eb.fn.min('t.name'), 'is', null).then(1).else(0).end())
      .orderBy('rm.repository')
      .orderBy('rm.digest')
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const contents = await this.db.selectFrom('manifests').select(['digest', 'content']).where('digest', 'in', [...new Set(rows.map((r) => r.digest))]).execute();
    const byDigest = new Map(contents.map((c) => [c.digest, Buffer.from(c.content)]));
    return rows.flatMap((r) => {
      const content = byDigest.get(r.digest);
      return content ? [{ repository: r.repository as RepoName, digest: r.digest as Digest, content, tag: r.tag ?? undefined }] : [];
    });
  }

  private async isConfigOf(manifest: string, digest: string): Promise<boolean> {
    const row = await this.db.selectFrom('manifests').select('content').where('digest', '=', manifest).executeTakeFirst();
    if (!row) return false;
    try {
      const body = JSON.parse(Buffer.from(row.content).toString('utf8')) as { config?: { digest?: unknown } };
      return body.config?.digest === digest;
    } catch {
      return false;
    }
  }
}
