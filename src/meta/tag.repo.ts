import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { Page, PageResult, TagRepo } from './meta-store.ts';
import { fetchPage } from './paging.ts';
import type { Database } from './schema.ts';
import { recordTagMove, type TagChangeContext } from './tag-history.repo.ts';

export class TagRepoImpl implements TagRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number = Date.now) {}

  list(repo: RepoName, page: Page): Promise<PageResult<Tag>> {
    return fetchPage(this.db.selectFrom('tags').select('name as value').where('repository', '=', repo).$castTo<{ value: Tag }>(), 'name', page);
  }

  async delete(repo: RepoName, tag: Tag, change: TagChangeContext = { how: 'delete', actor: 'system' }, expected?: Digest): Promise<boolean> {
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      const removed = await trx.deleteFrom('tags').where('repository', '=', repo).where('name', '=', tag).$if(expected !== undefined, (q) => q.where('digest', '=', expected!)).returning('digest').executeTakeFirst();
      if (!removed) return false;
      await recordTagMove(trx, { repo, tag, from: removed.digest, to: undefined, change, at });
      return true;
    });
  }
}
