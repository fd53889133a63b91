import { z } from 'zod';
import { ListQuery } from '../identity/list-page.ts';
import { CreateProjectBody, ProjectView, UpdateProjectBody, type ProjectService } from '../identity/project.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';

export const ProjectParams = z.object({ project: z.string().min(1).max(255) });

export function projectRoutes(projects: ProjectService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/projects', summary: 'List the projects the caller may see', tag: 'projects', permission: g.signedIn,
      query: ListQuery, response: pageOf(ProjectView),
      handle: ({ caller, query }) => projects.list(caller.principal, query),
    }),
    defineRoute({
      method: 'POST', path: '/projects', summary: 'Create a project (admins; any user with auth.selfServiceProjects)', tag: 'projects',
      permission: g.signedIn, body: CreateProjectBody, status: 201, response: ProjectView,
      handle: ({ actor, caller, body }) => projects.create(actor, caller.principal, body),
    }),
    defineRoute({
      method: 'GET', path: '/projects/:project', summary: 'Get a project', tag: 'projects', permission: g.project('read'),
      params: ProjectParams, response: ProjectView,
      handle: ({ params }) => projects.get(params.project),
    }),
    defineRoute({
      method: 'PATCH', path: '/projects/:project', summary: 'Change project settings', tag: 'projects', permission: g.project('manage-settings'),
      params: ProjectParams, body: UpdateProjectBody, response: ProjectView,
      handle: ({ actor, params, body }) => projects.update(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/projects/:project', summary: 'Delete a project (refused while it has repositories)', tag: 'projects', permission: g.admin,
      params: ProjectParams, status: 204,
      handle: ({ actor, params }) => projects.delete(actor, params.project),
    }),
  ];
}
