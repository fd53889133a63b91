import type { Kysely } from 'kysely';
import { BerthError } from '../errors/berth-error.ts';
import type { Digest } from '../oci/digest.ts';
import type { ManifestMediaType } from '../oci/media-types.ts';
import type { Reference, RepoName } from '../oci/names.ts';
import type { ManifestRepo, PutManifestInput, ReferrerDescriptor, StoredManifest } from './meta-store.ts';
import { CompiledLookup } from './compiled-query.ts';
import { ContentCache } from './content.cache.ts';
import { usersInRepository } from './reference-queries.ts';
import { ensureRepository } from './repository.repo.ts';
import type { Database } from './schema.ts';
import type { DialectName } from './dialects/dialect.ts';
import { recordTagMove, setTag, SYSTEM_PUSH, type TagChangeContext } from './tag-history.repo.ts';

/** Manifest bytes kept in memory by digest (immutable, so never stale); tag -> digest is always read from the store. */
const CONTENT_CACHE_BYTES = 8 * 1024 * 1024;

type ManifestHead = { digest: string; media_type: string; size_bytes: number };

export class ManifestRepoImpl implements ManifestRepo {
  private readonly content = new ContentCache(CONTENT_CACHE_BYTES);
  // The two pull lookups, compiled once (see CompiledLookup); the content comes from the cache when it can.
  private readonly byTag: CompiledLookup<ManifestHead, 'repo' | 'tag'>;
  private readonly byDigest: CompiledLookup<ManifestHead, 'repo' | 'digest'>;
  private readonly contentOf: CompiledLookup<{ content: Buffer }, 'digest'>;

  // `dialect`: PostgreSQL locks the rows a put depends on (FOR SHARE), so garbage collection's locked re-check
  // and a push never both win (docs/design/retention-and-gc.md).
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number, private readonly dialect: DialectName = 'sqlite') {
    this.byTag = new CompiledLookup(db, (p) =>
      db
        .selectFrom('tags as t')
        .innerJoin('manifests as m', 'm.digest', 't.digest')
        .select(['m.digest', 'm.media_type', 'm.size_bytes'])
        .where('t.repository', '=', p('repo'))
        .where('t.name', '=', p('tag')),
    );
    this.byDigest = new CompiledLookup(db, (p) =>
      db
        .selectFrom('repository_manifests as rm')
        .innerJoin('manifests as m', 'm.digest', 'rm.digest')
        .select(['m.digest', 'm.media_type', 'm.size_bytes'])
        .where('rm.repository', '=', p('repo'))
        .where('rm.digest', '=', p('digest')),
    );
    this.contentOf = new CompiledLookup(db, (p) => db.selectFrom('manifests').select('content').where('digest', '=', p('digest')));
  }

  async put(input: PutManifestInput): Promise<{ movedFrom?: Digest }> {
    const at = this.now();
    const { repo, digest } = input;
    return this.db.transaction().execute(async (trx) => {
      const missing: string[] = [];
      if (input.blobs.length > 0) {
        const present = await trx.selectFrom('repository_blobs').select('digest').where('repository', '=', repo).where('digest', 'in', input.blobs).$if(this.dialect === 'postgres', (q) => q.forShare()).execute();
        const have = new Set(present.map((r) => r.digest));
        missing.push(...input.blobs.filter((d) => !have.has(d)));
      }
      if (input.manifests.length > 0) {
        const present = await trx.selectFrom('repository_manifests').select('digest').where('repository', '=', repo).where('digest', 'in', input.manifests).$if(this.dialect === 'postgres', (q) => q.forShare()).execute();
        const have = new Set(present.map((r) => r.digest));
        missing.push(...input.manifests.filter((d) => !have.has(d)));
      }
      if (missing.length > 0) {
        throw new BerthError('MANIFEST_BLOB_UNKNOWN', {
          message: `manifest references ${missing.length} blob(s) or manifest(s) not present in repository ${repo}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
          detail: { missing },
        });
      }
      await ensureRepository(trx, repo, at);
      await trx
        .insertInto('manifests')
        .values({
          digest,
          media_type: input.mediaType,
          size_bytes: input.content.length,
          content: input.content,
          artifact_type: input.artifactType ?? null,
          subject: input.subject ?? null,
          annotations: input.annotations ? JSON.stringify(input.annotations) : null,
          created_at: at,
        })
        // A no-op update rather than DO NOTHING: it waits for (or blocks) a GC delete of the same row.
        .onConflict((oc) => oc.column('digest').doUpdateSet((eb) => ({ media_type: eb.ref('excluded.media_type') })))
        .execute();
      const references = [
        ...input.blobs.map((target) => ({ manifest: digest, target, kind: 'blob' as const })),
        ...input.manifests.map((target) => ({ manifest: digest, target, kind: 'manifest' as const })),
      ];
      if (references.length > 0) {
        await trx.insertInto('manifest_references').values(references).onConflict((oc) => oc.columns(['manifest', 'target']).doNothing()).execute();
      }
      // A re-push restarts the GC grace period of the link (and locks it against a concurrent GC unlink).
      await trx.insertInto('repository_manifests').values({ repository: repo, digest, created_at: at }).onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') }))).execute();
      const movedFrom = input.tag !== undefined ? await setTag(trx, repo, input.tag, digest, at, input.change ?? SYSTEM_PUSH, input.tagExpected) : undefined;
      return movedFrom !== undefined ? { movedFrom } : {};
    });
  }

  async get(repo: RepoName, ref: Reference): Promise<StoredManifest | undefined> {
    const head = ref.kind === 'tag' ? await this.byTag.first({ repo, tag: ref.tag }) : await this.byDigest.first({ repo, digest: ref.digest });
    if (!head) return undefined;
    let content = this.content.get(head.digest);
    if (content === undefined) {
      const row = await this.contentOf.first({ digest: head.digest });
      // Unlinked and collected between the two reads: as absent as if it had happened before.
      if (!row) return undefined;
      content = Buffer.from(row.content);
      this.content.set(head.digest, content);
    }
    return { digest: head.digest as Digest, mediaType: head.media_type as ManifestMediaType, sizeBytes: Number(head.size_bytes), content };
  }

  async delete(repo: RepoName, digest: Digest, change: TagChangeContext = { how: 'delete', actor: 'system' }): Promise<'deleted' | 'absent' | 'referenced'> {
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      const present = await trx.selectFrom('repository_manifests').select('digest').where('repository', '=', repo).where('digest', '=', digest).executeTakeFirst();
      if (!present) return 'absent';
      if ((await usersInRepository(trx, repo, digest, { kind: 'manifest', limit: 1 })).length > 0) return 'referenced';
      const untagged = await trx.deleteFrom('tags').where('repository', '=', repo).where('digest', '=', digest).returning('name').execute();
      for (const { name } of untagged) await recordTagMove(trx, { repo, tag: name, from: digest, to: undefined, change, at });
      await trx.deleteFrom('repository_manifests').where('repository', '=', repo).where('digest', '=', digest).execute();
      return 'deleted';
    });
  }

  async referrers(repo: RepoName, subject: Digest, artifactType?: string): Promise<ReferrerDescriptor[]> {
    let query = this.db
      .selectFrom('repository_manifests as rm')
      .innerJoin('manifests as m', 'm.digest', 'rm.digest')
      .select(['m.digest', 'm.media_type', 'm.size_bytes', 'm.artifact_type', 'm.annotations'])
      .where('rm.repository', '=', repo)
      .where('m.subject', '=', subject);
    if (artifactType !== undefined) query = query.where('m.artifact_type', '=', artifactType);
    const rows = await query.orderBy('m.digest').execute();
    return rows.map((r) => ({
      mediaType: r.media_type,
      digest: r.digest as Digest,
      size: Number(r.size_bytes),
      ...(r.artifact_type ? { artifactType: r.artifact_type } : {}),
      ...(r.annotations ? { annotations: JSON.parse(r.annotations) as Record<string, string> } : {}),
    }));
  }
}
