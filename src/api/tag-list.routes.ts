import type { AccessControl } from '../auth/access.ts';
import type { RepoName } from '../oci/names.ts';
import { TagListQuery, TagListView, type TagListService } from '../versions/tag-list.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { repositoryPuller, RepositoryParams } from './storage.routes.ts';

export function tagListRoutes(deps: { tags: TagListService; access: AccessControl }): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/repositories/:repo/tags', tag: 'tags', permission: repositoryPuller(deps.access), params: RepositoryParams, query: TagListQuery,
      response: TagListView, summary: "A repository's tags with digest, kind (semver, git-sha, channel, date, latest, other) and push time; sort=version|pushed|name",
      handle: ({ params, query }) => deps.tags.list(params.repo as RepoName, query),
    }),
  ];
}
