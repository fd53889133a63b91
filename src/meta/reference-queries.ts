import type { Kysely, Transaction } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { Database } from './schema.ts';

/**
 * Manifests linked into `repo` that reference `target` (as a blob, a child manifest, or either), at most
 * `limit`: the "is it still used here" check that deletes and garbage collection share.
 */
export async function usersInRepository(db: Kysely<Database> | Transaction<Database>, repo: RepoName, target: Digest, opts: { kind?: 'blob' | 'manifest'; limit?: number } = {}): Promise<Digest[]> {
  const rows = await db
    .selectFrom('repository_manifests as rm')
    .innerJoin('manifest_references as r', 'r.manifest', 'rm.digest')
    .select('rm.digest')
    .where('rm.repository', '=', repo)
    .where('r.target', '=', target)
    .$if(opts.kind !== undefined, (q) => q.where('r.kind', '=', opts.kind!))
    .$if(opts.limit !== undefined, (q) => q.limit(opts.limit!))
    .execute();
  return rows.map((r) => r.digest as Digest);
}
