import { z } from 'zod';
import type { AccessControl } from '../auth/access.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { ProjectService } from '../identity/project.service.ts';
import { unknown } from '../identity/validate.ts';
import { isRepoName, type RepoName } from '../oci/names.ts';
import { StorageQuery, StorageReportView, type StorageReportService, type StorageViewer } from '../storage-report/storage-report.service.ts';
import { defineRoute, type ApiCaller, type ApiRoute, type Guard, type GuardInput } from './api-route.ts';
import { callerIsAdmin, type Guards } from './guards.ts';
import { ProjectParams } from './project.routes.ts';

/** Projects fetched per page while listing the ones a caller may read. */
const PROJECT_PAGE = 500;

/**
 * A repository name in a path is one segment with its slashes percent-encoded (`acme%2Fapi`): Fastify decodes it
 * after routing, so the name arrives whole and the routes stay unambiguous.
 */
export const RepositoryParams = z.object({
  repo: z.string().min(1).max(255).describe('repository name with "/" percent-encoded as %2F, e.g. acme%2Fapi%2Fserver'),
});

/** Signed in and allowed to pull `repo`; a repository the caller may not pull answers like a missing one. */
export async function checkPull(access: AccessControl, input: GuardInput | ApiCaller, repo: RepoName, notFound: () => BerthError): Promise<void> {
  if (input.caller.principal.kind === 'anonymous') throw new BerthError('UNAUTHORIZED');
  if (!(await access.can(input.caller, { action: 'pull', repo }, input.ctx))) throw notFound();
}

export function repositoryPuller(access: AccessControl): Guard {
  return {
    describe: 'pull on the repository (others get 404)',
    requiresAuth: true,
    async check(input) {
      const raw = input.params.repo ?? '';
      if (!isRepoName(raw)) {
        if (input.caller.principal.kind === 'anonymous') throw new BerthError('UNAUTHORIZED');
        throw unknown('repository', raw);
      }
      await checkPull(access, input, raw, () => unknown('repository', raw));
    },
  };
}

async function readableProjects(projects: ProjectService, c: ApiCaller): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await projects.list(c.caller.principal, { limit: PROJECT_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    names.push(...page.items.map((p) => p.name));
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  return names;
}

export function storageRoutes(deps: { report: StorageReportService; projects: ProjectService; access: AccessControl }, g: Guards): ApiRoute[] {
  const { report, access } = deps;
  // Only the registry-wide report needs the caller's project list; the others are scoped by their path.
  const viewer = async (c: ApiCaller, isListingProjects: boolean): Promise<StorageViewer> => ({
    projects: callerIsAdmin(c) ? 'all' : isListingProjects ? await readableProjects(deps.projects, c) : [],
    mayPull: (repo) => access.can(c.caller, { action: 'pull', repo }, c.ctx),
  });
  return [
    defineRoute({
      method: 'GET', path: '/storage', tag: 'storage', permission: g.signedIn, query: StorageQuery, response: StorageReportView,
      summary: 'Storage report: logical, physical and unique bytes per project and repository, shared layers, biggest images and wasters (admins: the registry; others: the projects they may read)',
      handle: async ({ query, ...c }) => report.registry(await viewer(c, true), query),
    }),
    defineRoute({
      method: 'GET', path: '/projects/:project/storage', tag: 'storage', permission: g.project('read'), params: ProjectParams, query: StorageQuery,
      response: StorageReportView, summary: "A project's storage report (repositories listed: those the caller may pull)",
      handle: async ({ params, query, ...c }) => report.project(params.project, await viewer(c, false), query),
    }),
    defineRoute({
      method: 'GET', path: '/repositories/:repo/storage', tag: 'storage', permission: repositoryPuller(access), params: RepositoryParams, query: StorageQuery,
      response: StorageReportView, summary: "A repository's storage report; the name is one path segment with '/' encoded as %2F",
      handle: async ({ params, query, ...c }) => report.repository(params.repo as RepoName, await viewer(c, false), query),
    }),
  ];
}
