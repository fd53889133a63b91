import { z } from 'zod';
import type { Authenticator } from '../auth/access.ts';
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import { ChangePasswordBody, type UserService } from '../identity/user.service.ts';
import { parseInput } from '../identity/validate.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';

export const MeView = z.object({
  kind: z.enum(['user', 'robot']),
  name: z.string(),
  isAdmin: z.boolean(),
  /** How the caller authenticated: basic or bearer. */
  method: z.string(),
  /** Robots only. */
  project: z.string().nullable().optional(),
  permissions: z.array(z.object({ pattern: z.string(), actions: z.array(z.string()) })).optional(),
  expiresAt: z.string().nullable().optional(),
});

export function meRoutes(users: UserService, authenticator: Pick<Authenticator, 'login'>, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/me',
      summary: 'The caller',
      tag: 'me',
      permission: g.signedIn,
      response: MeView,
      async handle({ caller }) {
        const p = caller.principal;
        if (p.kind === 'robot') {
          return {
            kind: 'robot',
            name: p.name,
            isAdmin: false,
            method: caller.method,
            project: p.project,
            permissions: p.permissions.map((perm) => ({ pattern: perm.pattern, actions: [...perm.actions] })),
            expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
          };
        }
        return { kind: p.kind, name: p.name, isAdmin: p.kind === 'user' && p.isAdmin, method: caller.method };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/me/password',
      summary: "Change the caller's password",
      tag: 'me',
      permission: g.user,
      body: ChangePasswordBody,
      status: 204,
      async handle({ actor, ctx, body }) {
        // The current password is checked like a sign-in first, so guessing it here is throttled, locks the
        // account and is audited exactly like guessing it at the login prompt.
        const input = parseInput(ChangePasswordBody, body);
        try {
          await authenticator.login(actor.name, input.currentPassword, ctx);
        } catch (err) {
          if (isBerthError(err, 'UNAUTHORIZED')) throw new BerthError('DENIED', { message: 'the current password is wrong', cause: err });
          throw err;
        }
        return users.changeOwnPassword(actor, input);
      },
    }),
  ];
}
