import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { BlobRepo } from './meta-store.ts';
import { CompiledLookup } from './compiled-query.ts';
import { ensureRepository } from './repository.repo.ts';
import type { Database } from './schema.ts';

export class BlobRepoImpl implements BlobRepo {
  /** The HEAD/GET blob lookup, compiled once (see CompiledLookup). */
  private readonly linked: CompiledLookup<{ size_bytes: number }, 'repo' | 'digest'>;

  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {
    this.linked = new CompiledLookup(db, (p) =>
      db
        .selectFrom('repository_blobs as rb')
        .innerJoin('blobs as b', 'b.digest', 'rb.digest')
        .select('b.size_bytes')
        .where('rb.repository', '=', p('repo'))
        .where('rb.digest', '=', p('digest')),
    );
  }

  async findLinked(repo: RepoName, digest: Digest): Promise<{ sizeBytes: number } | undefined> {
    const row = await this.linked.first({ repo, digest });
    return row && { sizeBytes: Number(row.size_bytes) };
  }

  async find(digest: Digest): Promise<{ sizeBytes: number } | undefined> {
    const row = await this.db.selectFrom('blobs').select('size_bytes').where('digest', '=', digest).executeTakeFirst();
    return row && { sizeBytes: Number(row.size_bytes) };
  }

  async repositoriesLinking(digest: Digest, limit: number): Promise<RepoName[]> {
    const rows = await this.db.selectFrom('repository_blobs').select('repository').where('digest', '=', digest).orderBy('repository').limit(limit).execute();
    return rows.map((r) => r.repository as RepoName);
  }

  async link(repo: RepoName, digest: Digest, sizeBytes: number, opts: { completesUpload?: string } = {}): Promise<void> {
    const at = this.now();
    await this.db.transaction().execute(async (trx) => {
      await ensureRepository(trx, repo, at);
      await trx.insertInto('blobs').values({ digest, size_bytes: sizeBytes, created_at: at }).onConflict((oc) => oc.column('digest').doNothing()).execute();
      await trx.insertInto('repository_blobs').values({ repository: repo, digest, created_at: at }).onConflict((oc) => oc.columns(['repository', 'digest']).doNothing()).execute();
      if (opts.completesUpload) await trx.deleteFrom('uploads').where('id', '=', opts.completesUpload).execute();
    });
  }

  async unlink(repo: RepoName, digest: Digest): Promise<'unlinked' | 'absent' | 'referenced'> {
    return this.db.transaction().execute(async (trx) => {
      const referenced = await trx
        .selectFrom('repository_manifests as rm')
        .innerJoin('manifest_references as r', 'r.manifest', 'rm.digest')
        .select('rm.digest')
        .where('rm.repository', '=', repo)
        .where('r.target', '=', digest)
        .limit(1)
        .executeTakeFirst();
      if (referenced) return 'referenced';
      const result = await trx.deleteFrom('repository_blobs').where('repository', '=', repo).where('digest', '=', digest).executeTakeFirst();
      return Number(result.numDeletedRows) > 0 ? 'unlinked' : 'absent';
    });
  }
}
