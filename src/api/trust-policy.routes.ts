import { TrustPolicyBody, TrustPolicyView } from '../trust/trust-policy.ts';
import type { TrustPolicyService } from '../trust/trust-policy.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { ProjectParams } from './project.routes.ts';

/** A project's trust policy (#7): read by anyone who sees the project, changed with manage-settings. */
export function trustPolicyRoutes(trust: TrustPolicyService, g: Guards): ApiRoute[] {
  const path = '/projects/:project/trust-policy';
  return [
    defineRoute({
      method: 'GET', path, summary: 'Get the project\'s trust policy (trusted keys and identities, mode)', tag: 'trust', permission: g.project('read'),
      params: ProjectParams, response: TrustPolicyView,
      handle: ({ params }) => trust.get(params.project),
    }),
    defineRoute({
      method: 'PUT', path, summary: 'Set the project\'s trust policy (replaces it whole)', tag: 'trust', permission: g.project('manage-settings'),
      params: ProjectParams, body: TrustPolicyBody, response: TrustPolicyView,
      handle: ({ actor, params, body }) => trust.set(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path, summary: 'Remove the project\'s trust policy', tag: 'trust', permission: g.project('manage-settings'),
      params: ProjectParams, status: 204,
      handle: ({ actor, params }) => trust.remove(actor, params.project),
    }),
  ];
}
