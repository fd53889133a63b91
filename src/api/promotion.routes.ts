import { z } from 'zod';
import type { AccessControl } from '../auth/access.ts';
import type { RepoName } from '../oci/names.ts';
import { AddGateBody, GateView, type PromotionGateService } from '../versions/promotion-gates.service.ts';
import { PromoteBody, PromotionView, type PromotionCaller, type PromotionService } from '../versions/promotion.service.ts';
import { defineRoute, type ApiCaller, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { ProjectParams } from './project.routes.ts';

const GateParams = ProjectParams.extend({ id: z.string().min(1).max(64) });
const GateList = z.object({ items: z.array(GateView) });
const KindList = z.object({ items: z.array(z.object({ kind: z.string(), description: z.string() })) });

/** POST /promotions and the promotion gates of a project. */
export function promotionRoutes(deps: { promotions: PromotionService; gates: PromotionGateService; access: AccessControl }, g: Guards): ApiRoute[] {
  const { promotions, gates, access } = deps;
  const callerOf = (c: ApiCaller): PromotionCaller => ({
    actor: c.actor,
    mayPull: (repo: RepoName) => access.can(c.caller, { action: 'pull', repo }, c.ctx),
    mayPush: (repo: RepoName) => access.can(c.caller, { action: 'push', repo }, c.ctx),
  });
  return [
    defineRoute({
      method: 'POST', path: '/promotions', tag: 'promotions', permission: g.signedIn, body: PromoteBody, response: PromotionView,
      summary: 'Promote an image: copy it by digest with its referrers into a channel or another repository and move the tag (pull on the source, push on the target; gates answer 412)',
      handle: async ({ body, ...c }) => promotions.promote(callerOf(c), body),
    }),
    defineRoute({
      method: 'GET', path: '/promotion-gate-kinds', tag: 'promotions', permission: g.signedIn, response: KindList,
      summary: 'The kinds of promotion gates this server can evaluate',
      handle: async () => ({ items: gates.kinds() }),
    }),
    defineRoute({
      method: 'GET', path: '/projects/:project/promotion-gates', tag: 'promotions', permission: g.project('read'), params: ProjectParams, response: GateList,
      summary: "A project's promotion gates, in the order they are evaluated",
      handle: async ({ params }) => ({ items: await gates.list(params.project) }),
    }),
    defineRoute({
      method: 'POST', path: '/projects/:project/promotion-gates', tag: 'promotions', permission: g.project('manage-settings'), params: ProjectParams, body: AddGateBody,
      status: 201, response: GateView, summary: 'Add a promotion gate for targets in the project (repository and tag patterns)',
      handle: async ({ params, body, actor }) => gates.add(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/projects/:project/promotion-gates/:id', tag: 'promotions', permission: g.project('manage-settings'), params: GateParams, status: 204,
      summary: 'Remove a promotion gate',
      handle: async ({ params, actor }) => gates.remove(actor, params.project, params.id),
    }),
  ];
}
