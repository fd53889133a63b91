import { z } from 'zod';
import { isoTime } from '../identity/identity-context.ts';
import { unknown } from '../identity/validate.ts';
import type { RepositoryRepo } from '../meta/meta-store.ts';
import type { TagDetailRepo } from '../meta/tag-detail.repo.ts';
import type { RepoName } from '../oci/names.ts';
import { classifyTag, semverOf, sortTags, TAG_KINDS, TAG_SORTS } from './tag-kind.ts';

export const TagListQuery = z.object({
  sort: z.enum(TAG_SORTS).default('version').describe('version: highest SemVer first, then dates, channels, latest, hashes, others; pushed: newest first; name: bytewise'),
});

export const TagView = z.object({
  name: z.string(),
  digest: z.string(),
  kind: z.enum(TAG_KINDS),
  /** The SemVer version without `v`, for semver tags. */
  version: z.string().nullable(),
  pushedAt: z.string(),
});
export const TagListView = z.object({ repository: z.string(), sort: z.enum(TAG_SORTS), tags: z.array(TagView) });
export type TagListView = z.infer<typeof TagListView>;

/** A repository's tags with digest, kind and push time, in one of the three orders. Read-only. */
export class TagListService {
  constructor(private readonly deps: { tagDetails: Pick<TagDetailRepo, 'list'>; repositories: Pick<RepositoryRepo, 'exists'>; channels: readonly string[] }) {}

  /** Throws RESOURCE_UNKNOWN for a repository that does not exist. */
  async list(repo: RepoName, query: z.output<typeof TagListQuery>): Promise<TagListView> {
    const details = await this.deps.tagDetails.list(repo);
    if (details.length === 0 && !(await this.deps.repositories.exists(repo))) throw unknown('repository', repo);
    const sorted = sortTags(details.map((d) => ({ ...d, name: d.tag, pushedAt: d.updatedAt })), query.sort, this.deps.channels);
    return {
      repository: repo,
      sort: query.sort,
      tags: sorted.map((t) => {
        const kind = classifyTag(t.name, this.deps.channels);
        return { name: t.name, digest: t.digest, kind, version: kind === 'semver' ? semverOf(t.name)! : null, pushedAt: isoTime(t.pushedAt) };
      }),
    };
  }
}
