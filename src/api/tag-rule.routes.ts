import { z } from 'zod';
import { AddImmutableRuleBody, AddNamingRuleBody, ImmutableRuleView, NamingRuleView, ProductionBody, ProductionView, TagRulesView, type TagRuleService } from '../versions/tag-rule.service.ts';
import type { Actor } from '../identity/identity-context.ts';
import type { TagRuleKind } from '../meta/tag-rule.repo.ts';
import { defineRoute, type ApiRoute, type Guard } from './api-route.ts';
import type { Guards } from './guards.ts';
import { ProjectParams } from './project.routes.ts';

const RuleParams = ProjectParams.extend({ id: z.string().min(1).max(64) });

/**
 * A project's tag rules. Naming and immutable rules are added by those who may manage tag rules (maintainers
 * and owners); removing an immutable rule and changing production protection need manage-settings (owners).
 */
export function tagRuleRoutes(rules: TagRuleService, g: Guards): ApiRoute[] {
  /** POST .../tag-rules/<kind> (manage-tag-rules) and DELETE .../tag-rules/<kind>/:id (`remover`). */
  const kindRoutes = (k: { kind: TagRuleKind; body: z.ZodType; view: z.ZodType; remover: Guard; summary: string; add: (actor: Actor, project: string, body: unknown) => Promise<unknown> }) => [
    defineRoute({
      method: 'POST', path: `/projects/:project/tag-rules/${k.kind}`, summary: k.summary, tag: 'tag-rules',
      permission: g.project('manage-tag-rules'), params: ProjectParams, body: k.body, status: 201, response: k.view,
      handle: ({ actor, params, body }) => k.add(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path: `/projects/:project/tag-rules/${k.kind}/:id`, summary: `Remove a${k.kind === 'immutable' ? 'n immutable tag rule (project owners)' : ' naming rule'}`,
      tag: 'tag-rules', permission: k.remover, params: RuleParams, status: 204,
      handle: ({ actor, params }) => rules.remove(actor, params.project, k.kind, params.id),
    }),
  ];
  return [
    defineRoute({
      method: 'GET', path: '/projects/:project/tag-rules', summary: "A project's naming rules, immutable tag rules and production protection", tag: 'tag-rules',
      permission: g.project('read'), params: ProjectParams, response: TagRulesView,
      handle: ({ params }) => rules.get(params.project),
    }),
    ...kindRoutes({
      kind: 'naming', body: AddNamingRuleBody, view: NamingRuleView, remover: g.project('manage-tag-rules'),
      summary: 'Add a naming rule (enforce: pushes breaking it get TAG_INVALID; warn: a Warning header)',
      add: (actor, project, body) => rules.addNaming(actor, project, body),
    }),
    ...kindRoutes({
      kind: 'immutable', body: AddImmutableRuleBody, view: ImmutableRuleView, remover: g.project('manage-settings'),
      summary: 'Add an immutable tag rule: matching tags can never be moved or deleted',
      add: (actor, project, body) => rules.addImmutable(actor, project, body),
    }),
    defineRoute({
      method: 'PUT', path: '/projects/:project/tag-rules/production', summary: 'Mark the project production (refuse pushing, optionally pulling, "latest")', tag: 'tag-rules',
      permission: g.project('manage-settings'), params: ProjectParams, body: ProductionBody, response: ProductionView,
      handle: ({ actor, params, body }) => rules.setProduction(actor, params.project, body),
    }),
  ];
}
