import { z } from 'zod';
import { AddIpRuleBody, IpRuleView, type IpRuleService, type IpRuleTarget } from '../identity/ip-rule.service.ts';
import { ListQuery } from '../identity/list-page.ts';
import type { RobotService } from '../identity/robot.service.ts';
import { defineRoute, type ApiRoute, type Guard } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';
import { ProjectParams } from './project.routes.ts';
import { RobotParams } from './robot.routes.ts';

const RuleId = z.object({ id: z.string().min(1).max(64) });

/** The three rule lists share one shape; `target` resolves the list from the path parameters. */
function ruleRoutes<P extends z.ZodObject>(opts: {
  base: string;
  label: string;
  permission: Guard;
  params: P;
  rules: IpRuleService;
  target: (params: z.output<P>) => Promise<IpRuleTarget>;
}): ApiRoute[] {
  const { base, label, permission, params, rules, target } = opts;
  const withId = params.extend(RuleId.shape);
  return [
    defineRoute({
      method: 'GET', path: base, summary: `List ${label} IP rules`, tag: 'ip-rules', permission,
      params, query: ListQuery, response: pageOf(IpRuleView),
      handle: async (input) => rules.list(await target(input.params as z.output<P>), input.query),
    }),
    defineRoute({
      method: 'POST', path: base, summary: `Add a ${label} IP rule`, tag: 'ip-rules', permission,
      params, body: AddIpRuleBody, status: 201, response: IpRuleView,
      handle: async (input) => rules.add(input.actor, await target(input.params as z.output<P>), input.body),
    }),
    defineRoute({
      method: 'DELETE', path: `${base}/:id`, summary: `Remove a ${label} IP rule`, tag: 'ip-rules', permission,
      params: withId, status: 204,
      handle: async (input) => rules.remove(input.actor, await target(input.params as z.output<P>), (input.params as { id: string }).id),
    }),
  ];
}

const NoParams = z.object({});

export function ipRuleRoutes(rules: IpRuleService, robots: RobotService, g: Guards): ApiRoute[] {
  return [
    ...ruleRoutes({
      base: '/ip-rules', label: 'system', permission: g.admin, params: NoParams, rules,
      target: async () => ({ scope: 'system', scopeId: '', project: null, label: 'system' }),
    }),
    ...ruleRoutes({
      base: '/projects/:project/ip-rules', label: 'project', permission: g.project('manage-settings'), params: ProjectParams, rules,
      target: async (p) => ({ scope: 'project', scopeId: p.project, project: p.project, label: p.project }),
    }),
    ...ruleRoutes({
      base: '/robots/:robotName/ip-rules', label: 'robot', permission: g.robotManager, params: RobotParams, rules,
      target: async (p) => {
        const robot = await robots.get(p.robotName);
        return { scope: 'robot', scopeId: robot.id, project: robot.project, label: robot.name };
      },
    }),
  ];
}
