import { BerthError } from '../errors/berth-error.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { Page, PageResult, RepositoryRepo, TagRepo } from '../meta/meta-store.ts';

/** Listing: repositories (the catalog) and the tags of one repository, both in lexical order, paginated. */
export class CatalogService {
  constructor(private readonly deps: { meta: { repositories: RepositoryRepo; tags: TagRepo } }) {}

  repositories(page: Page): Promise<PageResult<RepoName>> {
    return this.deps.meta.repositories.list(page);
  }

  /** Throws NAME_UNKNOWN when the repository does not exist. */
  async tags(repo: RepoName, page: Page): Promise<PageResult<Tag>> {
    const result = await this.deps.meta.tags.list(repo, page);
    if (result.items.length === 0 && !(await this.deps.meta.repositories.exists(repo))) {
      throw new BerthError('NAME_UNKNOWN', { detail: { name: repo } });
    }
    return result;
  }
}
