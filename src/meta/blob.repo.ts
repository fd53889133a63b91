import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { BlobRepo } from './meta-store.ts';
import { CompiledLookup } from './compiled-query.ts';
import { usersInRepository } from './reference-queries.ts';
import { ensureRepository, ensureRepositoryQuery } from './repository.repo.ts';
import type { Database } from './schema.ts';
import type { DialectName } from './dialects/dialect.ts';

export class BlobRepoImpl implements BlobRepo {
  /** The HEAD/GET blob lookup, compiled once (see CompiledLookup). */
  private readonly linked: CompiledLookup<{ size_bytes: number }, 'repo' | 'digest'>;
  /** The statements every blob push runs (reserve, then link), compiled once like the lookups. */
  private readonly push: {
    reserve: CompiledLookup<unknown, 'digest' | 'size' | 'at'>;
    ensureRepository: CompiledLookup<unknown, 'repo' | 'at'>;
    insertBlob: CompiledLookup<unknown, 'digest' | 'size' | 'at'>;
    link: CompiledLookup<unknown, 'repo' | 'digest' | 'at'>;
    endUpload: CompiledLookup<unknown, 'id'>;
  };

  // `dialect`: PostgreSQL locks the blob row a mount depends on (FOR SHARE) against a concurrent GC delete.
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number, private readonly dialect: DialectName = 'sqlite') {
    this.linked = new CompiledLookup(db, (p) =>
      db
        .selectFrom('repository_blobs as rb')
        .innerJoin('blobs as b', 'b.digest', 'rb.digest')
        .select('b.size_bytes')
        .where('rb.repository', '=', p('repo'))
        .where('rb.digest', '=', p('digest')),
    );
    // Params stand in for numbers too: the compiled placeholder is replaced by the real value at run time.
    const num = (name: string) => name as unknown as number;
    this.push = {
      reserve: new CompiledLookup(db, (p) =>
        db.insertInto('blobs').values({ digest: p('digest'), size_bytes: num(p('size')), created_at: num(p('at')) }).onConflict((oc) => oc.column('digest').doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') }))),
      ),
      ensureRepository: new CompiledLookup(db, (p) => ensureRepositoryQuery(db, p('repo'), num(p('at')))),
      insertBlob: new CompiledLookup(db, (p) =>
        db.insertInto('blobs').values({ digest: p('digest'), size_bytes: num(p('size')), created_at: num(p('at')) }).onConflict((oc) => oc.column('digest').doNothing()),
      ),
      // A re-upload restarts the link's GC grace period (and locks it against a concurrent GC unlink).
      link: new CompiledLookup(db, (p) =>
        db.insertInto('repository_blobs').values({ repository: p('repo'), digest: p('digest'), created_at: num(p('at')) }).onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') }))),
      ),
      endUpload: new CompiledLookup(db, (p) => db.deleteFrom('uploads').where('id', '=', p('id'))),
    };
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
      await this.push.ensureRepository.all({ repo, at }, trx);
      await this.push.insertBlob.all({ digest, size: sizeBytes, at }, trx);
      await this.push.link.all({ repo, digest, at }, trx);
      if (opts.completesUpload) await this.push.endUpload.all({ id: opts.completesUpload }, trx);
    });
  }

  async linkExisting(repo: RepoName, digest: Digest): Promise<boolean> {
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      const blob = await trx.selectFrom('blobs').select('digest').where('digest', '=', digest).$if(this.dialect === 'postgres', (q) => q.forShare()).executeTakeFirst();
      if (!blob) return false;
      await ensureRepository(trx, repo, at);
      await trx.insertInto('repository_blobs').values({ repository: repo, digest, created_at: at }).onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') }))).execute();
      return true;
    });
  }

  async reserve(digest: Digest, sizeBytes: number): Promise<void> {
    await this.push.reserve.all({ digest, size: sizeBytes, at: this.now() });
  }

  async unlink(repo: RepoName, digest: Digest): Promise<'unlinked' | 'absent' | 'referenced'> {
    return this.db.transaction().execute(async (trx) => {
      if ((await usersInRepository(trx, repo, digest, { limit: 1 })).length > 0) return 'referenced';
      const result = await trx.deleteFrom('repository_blobs').where('repository', '=', repo).where('digest', '=', digest).executeTakeFirst();
      return Number(result.numDeletedRows) > 0 ? 'unlinked' : 'absent';
    });
  }
}
