import { z } from 'zod';
import { ListQuery } from '../identity/list-page.ts';
import { GrantBody, MemberView, SubjectKind, type MemberService } from '../identity/member.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';
import { ProjectParams } from './project.routes.ts';

const MemberParams = ProjectParams.extend({ kind: SubjectKind, name: z.string().min(1).max(256) });
const RevokeQuery = z.object({ pattern: z.string().min(1).max(255).optional() });

export function memberRoutes(members: MemberService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/projects/:project/members', summary: "List a project's grants", tag: 'members', permission: g.project('member'),
      params: ProjectParams, query: ListQuery, response: pageOf(MemberView),
      handle: ({ params, query }) => members.list(params.project, query),
    }),
    defineRoute({
      method: 'POST', path: '/projects/:project/members', summary: 'Grant a role to a user or team', tag: 'members', permission: g.project('manage-members'),
      params: ProjectParams, body: GrantBody, status: 201, response: MemberView,
      handle: ({ actor, params, body }) => members.grant(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/projects/:project/members/:kind/:name', summary: "Revoke a subject's grants (or the one with ?pattern=)", tag: 'members',
      permission: g.project('manage-members'), params: MemberParams, query: RevokeQuery, status: 204,
      handle: ({ actor, params, query }) => members.revoke(actor, params.project, params.kind, params.name, query.pattern),
    }),
  ];
}
