import { z } from 'zod';
import { ListQuery } from '../identity/list-page.ts';
import { CreateTeamBody, TeamMemberView, TeamView, type TeamService } from '../identity/team.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';

const TeamParams = z.object({ team: z.string().min(1).max(256) });
const TeamMemberParams = TeamParams.extend({ username: z.string().min(1).max(256) });

export function teamRoutes(teams: TeamService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/teams', summary: 'List teams', tag: 'teams', permission: g.admin,
      query: ListQuery, response: pageOf(TeamView),
      handle: ({ query }) => teams.list(query),
    }),
    defineRoute({
      method: 'POST', path: '/teams', summary: 'Create a team', tag: 'teams', permission: g.admin,
      body: CreateTeamBody, status: 201, response: TeamView,
      handle: ({ actor, body }) => teams.create(actor, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/teams/:team', summary: 'Delete a team and its grants', tag: 'teams', permission: g.admin,
      params: TeamParams, status: 204,
      handle: ({ actor, params }) => teams.delete(actor, params.team),
    }),
    defineRoute({
      method: 'GET', path: '/teams/:team/members', summary: "List a team's members", tag: 'teams', permission: g.admin,
      params: TeamParams, query: ListQuery, response: pageOf(TeamMemberView),
      handle: ({ params, query }) => teams.members(params.team, query),
    }),
    defineRoute({
      method: 'PUT', path: '/teams/:team/members/:username', summary: 'Add a user to a team', tag: 'teams', permission: g.admin,
      params: TeamMemberParams, status: 204,
      handle: ({ actor, params }) => teams.addMember(actor, params.team, params.username),
    }),
    defineRoute({
      method: 'DELETE', path: '/teams/:team/members/:username', summary: 'Remove a user from a team', tag: 'teams', permission: g.admin,
      params: TeamMemberParams, status: 204,
      handle: ({ actor, params }) => teams.removeMember(actor, params.team, params.username),
    }),
  ];
}
