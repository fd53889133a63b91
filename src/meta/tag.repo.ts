import type { Kysely } from 'kysely';
import type { RepoName, Tag } from '../oci/names.ts';
import type { Page, PageResult, TagRepo } from './meta-store.ts';
import { fetchPage } from './paging.ts';
import type { Database } from './schema.ts';

export class TagRepoImpl implements TagRepo {
  constructor(private readonly db: Kysely<Database>) {}

  list(repo: RepoName, page: Page): Promise<PageResult<Tag>> {
    return fetchPage(this.db.selectFrom('tags').select('name as value').where('repository', '=', repo).$castTo<{ value: Tag }>(), 'name', page);
  }

  async delete(repo: RepoName, tag: Tag): Promise<boolean> {
    const result = await this.db.deleteFrom('tags').where('repository', '=', repo).where('name', '=', tag).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
