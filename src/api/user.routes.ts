import { z } from 'zod';
import { ListQuery } from '../identity/list-page.ts';
import { CreateUserBody, UpdateUserBody, UserView, type UserService } from '../identity/user.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';

const UserParams = z.object({ username: z.string().min(1).max(256) });

export function userRoutes(users: UserService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/users', summary: 'List users', tag: 'users', permission: g.admin,
      query: ListQuery, response: pageOf(UserView),
      handle: ({ query }) => users.list(query),
    }),
    defineRoute({
      method: 'POST', path: '/users', summary: 'Create a user', tag: 'users', permission: g.admin,
      body: CreateUserBody, status: 201, response: UserView,
      handle: ({ actor, body }) => users.create(actor, body),
    }),
    defineRoute({
      method: 'GET', path: '/users/:username', summary: 'Get a user', tag: 'users', permission: g.admin,
      params: UserParams, response: UserView,
      handle: ({ params }) => users.get(params.username),
    }),
    defineRoute({
      method: 'PATCH', path: '/users/:username', summary: 'Change password, admin or disabled flag', tag: 'users', permission: g.admin,
      params: UserParams, body: UpdateUserBody, response: UserView,
      handle: ({ actor, params, body }) => users.update(actor, params.username, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/users/:username', summary: 'Delete a user', tag: 'users', permission: g.admin,
      params: UserParams, status: 204,
      handle: ({ actor, params }) => users.delete(actor, params.username),
    }),
  ];
}
