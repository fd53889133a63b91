import { z } from 'zod';
import type { AccessControl } from '../auth/access.ts';
import { BerthError } from '../errors/berth-error.ts';
import { isoTime } from '../identity/identity-context.ts';
import { ListQuery, type Paged } from '../identity/list-page.ts';
import { parseInput } from '../identity/validate.ts';
import type { TagHistoryEntry } from '../meta/tag-history.repo.ts';
import { isDigest, type Digest } from '../oci/digest.ts';
import { isTag, type RepoName, type Tag } from '../oci/names.ts';
import type { RollbackService, TagMoveResult } from '../versions/rollback.service.ts';
import { defineRoute, type ApiRoute, type Guard } from './api-route.ts';
import { pageOf } from './page-schema.ts';
import { RepositoryParams, repositoryPuller } from './storage.routes.ts';

const TagParams = RepositoryParams.extend({ tag: z.string().min(1).max(128).describe('the tag') });

const digest = z.string().refine(isDigest, 'must be a digest like sha256:<64 hex>');

const TagHistoryItem = z.object({
  id: z.number().int().describe('increases with every move; the page cursor'),
  from: z.string().nullable().describe('digest before the move; null when the tag was created'),
  to: z.string().nullable().describe('digest after the move; null when the tag was deleted'),
  how: z.enum(['push', 'delete', 'promotion', 'rollback', 'restore', 'retention']),
  actor: z.string(),
  at: z.string().describe('ISO 8601'),
});

const TagMoveView = z.object({
  repository: z.string(),
  tag: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  warnings: z.array(z.string()).describe('warn-mode tag rule findings'),
});

const RollbackBody = z.strictObject({
  to: digest.optional().describe('a digest the tag pointed at before'),
  steps: z.number().int().min(1).max(1000).optional().describe('how far back in the tag lineage (default 1)'),
});

const RestoreBody = z.strictObject({
  to: digest.optional().describe('a digest from the tag history (default: the one it pointed at when deleted)'),
});

/** Pull on the repository (others get 404, as for a missing one), then push: moving a tag is a push. */
function repositoryPusher(access: AccessControl): Guard {
  const puller = repositoryPuller(access);
  return {
    describe: 'pull and push on the repository (others get 404)',
    requiresAuth: true,
    async check(input) {
      await puller.check(input);
      const repo = input.params.repo as RepoName;
      if (!(await access.can(input.caller, { action: 'push', repo }, input.ctx))) {
        throw new BerthError('DENIED', { message: `push on ${repo} is needed to move its tags`, detail: { repository: repo } });
      }
    },
  };
}

function parseTagParams(params: { repo: string; tag: string }): { repo: RepoName; tag: Tag } {
  if (!isTag(params.tag)) throw new BerthError('TAG_INVALID', { message: 'invalid tag: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}', detail: { tag: params.tag } });
  return { repo: params.repo as RepoName, tag: params.tag };
}

function historyView(e: TagHistoryEntry): z.output<typeof TagHistoryItem> {
  return { id: e.id, from: e.from ?? null, to: e.to ?? null, how: e.how, actor: e.actor, at: isoTime(e.at) };
}

function moveView(r: TagMoveResult): z.output<typeof TagMoveView> {
  return { repository: r.repository, tag: r.tag, from: r.from ?? null, to: r.to, warnings: r.warnings };
}

/** GET .../tags/{tag}/history, POST .../tags/{tag}/rollback and .../restore. */
export function tagHistoryRoutes(deps: { rollback: RollbackService; access: AccessControl }): ApiRoute[] {
  const { rollback, access } = deps;
  const base = '/repositories/:repo/tags/:tag';
  return [
    defineRoute({
      method: 'GET', path: `${base}/history`, tag: 'tags', permission: repositoryPuller(access), params: TagParams, query: ListQuery,
      response: pageOf(TagHistoryItem), summary: "A tag's moves, newest first: from and to digests, how (push, delete, promotion, rollback, restore, retention), who and when",
      handle: async ({ params, query }): Promise<Paged<z.output<typeof TagHistoryItem>>> => {
        const { repo, tag } = parseTagParams(params);
        const before = query.cursor === undefined ? undefined : Number(query.cursor);
        if (before !== undefined && !Number.isSafeInteger(before)) throw new BerthError('BAD_REQUEST', { message: 'query.cursor: not a cursor of this list', detail: { field: 'query.cursor' } });
        const page = await rollback.history(repo, tag, { limit: query.limit, ...(before !== undefined ? { before } : {}) });
        const last = page.items.at(-1);
        return { items: page.items.map(historyView), next: page.hasMore && last ? String(last.id) : null };
      },
    }),
    defineRoute({
      method: 'POST', path: `${base}/rollback`, tag: 'tags', permission: repositoryPusher(access), params: TagParams, body: RollbackBody,
      response: TagMoveView, summary: 'Move a tag back to its previous digest, `steps` back, or `to` a digest it pointed at before (atomic, audited, subject to tag rules)',
      handle: async ({ params, body, actor }) => {
        const { repo, tag } = parseTagParams(params);
        const req = parseInput(RollbackBody, body ?? {}, 'body');
        if (req.to !== undefined && req.steps !== undefined) throw new BerthError('BAD_REQUEST', { message: 'give either to or steps, not both', detail: { field: 'body.steps' } });
        return moveView(await rollback.rollback(repo, tag, { ...(req.to ? { to: req.to as Digest } : {}), ...(req.steps ? { steps: req.steps } : {}) }, actor));
      },
    }),
    defineRoute({
      method: 'POST', path: `${base}/restore`, tag: 'tags', permission: repositoryPusher(access), params: TagParams, body: RestoreBody,
      response: TagMoveView, summary: 'Bring back a deleted tag: to the digest it pointed at when deleted, or `to` one from its history',
      handle: async ({ params, body, actor }) => {
        const { repo, tag } = parseTagParams(params);
        const req = parseInput(RestoreBody, body ?? {}, 'body');
        return moveView(await rollback.restore(repo, tag, req.to ? { to: req.to as Digest } : {}, actor));
      },
    }),
  ];
}
