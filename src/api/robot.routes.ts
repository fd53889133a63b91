import { z } from 'zod';
import { ListQuery } from '../identity/list-page.ts';
import { CreateRobotBody, RobotView, RobotWithSecretView, UpdateRobotBody, type RobotService } from '../identity/robot.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';
import { ProjectParams } from './project.routes.ts';

export const RobotParams = z.object({ robotName: z.string().min(1).max(256) });

export function robotRoutes(robots: RobotService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/projects/:project/robots', summary: "List a project's robots", tag: 'robots', permission: g.project('manage-robots'),
      params: ProjectParams, query: ListQuery, response: pageOf(RobotView),
      handle: ({ params, query }) => robots.list(params.project, query),
    }),
    defineRoute({
      method: 'POST', path: '/projects/:project/robots', summary: 'Create a project robot; the answer shows its secret, once', tag: 'robots',
      permission: g.project('manage-robots'), params: ProjectParams, body: CreateRobotBody, status: 201, response: RobotWithSecretView,
      handle: ({ actor, params, body }) => robots.create(actor, params.project, body),
    }),
    defineRoute({
      method: 'GET', path: '/robots', summary: 'List system robots', tag: 'robots', permission: g.admin,
      query: ListQuery, response: pageOf(RobotView),
      handle: ({ query }) => robots.list(null, query),
    }),
    defineRoute({
      method: 'POST', path: '/robots', summary: 'Create a system robot; the answer shows its secret, once', tag: 'robots', permission: g.admin,
      body: CreateRobotBody, status: 201, response: RobotWithSecretView,
      handle: ({ actor, body }) => robots.create(actor, null, body),
    }),
    defineRoute({
      method: 'PATCH', path: '/robots/:robotName', summary: 'Change a robot', tag: 'robots', permission: g.robotManager,
      params: RobotParams, body: UpdateRobotBody, response: RobotView,
      handle: ({ actor, params, body }) => robots.update(actor, params.robotName, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/robots/:robotName', summary: 'Delete a robot', tag: 'robots', permission: g.robotManager,
      params: RobotParams, status: 204,
      handle: ({ actor, params }) => robots.delete(actor, params.robotName),
    }),
    defineRoute({
      method: 'POST', path: '/robots/:robotName/secret', summary: "Regenerate a robot's secret; the answer shows it, once", tag: 'robots',
      permission: g.robotManager, params: RobotParams, response: RobotWithSecretView,
      handle: ({ actor, params }) => robots.regenerateSecret(actor, params.robotName),
    }),
  ];
}
