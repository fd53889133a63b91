import { z } from 'zod';
import { ScanExceptionInput, ScanExceptionView, ScanPolicyInput, ScanPolicyView, type ScanPolicyService } from '../scan/registry/scan-policy.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { ProjectParams } from './project.routes.ts';

const ExceptionParams = ProjectParams.extend({ id: z.string().min(1).max(64) });

/** A project's scan settings and vulnerability pull policy, and its exceptions (changes: manage-settings, audited). */
export function scanPolicyRoutes(policies: ScanPolicyService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/projects/:project/scan-policy', tag: 'scan policies', permission: g.project('read'), params: ProjectParams, response: ScanPolicyView,
      summary: "The project's scanning settings and vulnerability pull policy (default: no scan on push, mode off)",
      handle: async ({ params }) => policies.policy(params.project),
    }),
    defineRoute({
      method: 'PUT', path: '/projects/:project/scan-policy', tag: 'scan policies', permission: g.project('manage-settings'), params: ProjectParams, body: ScanPolicyInput, response: ScanPolicyView,
      summary: 'Replace the project\'s scanning settings and vulnerability pull policy (omitted fields take their defaults)',
      handle: async ({ params, body, actor }) => policies.putPolicy(actor, params.project, body),
    }),
    defineRoute({
      method: 'GET', path: '/projects/:project/scan-exceptions', tag: 'scan policies', permission: g.project('read'), params: ProjectParams,
      response: z.object({ items: z.array(ScanExceptionView) }),
      summary: "The project's vulnerability exceptions, expired ones included (isExpired)",
      handle: async ({ params }) => ({ items: policies.exceptions(params.project) }),
    }),
    defineRoute({
      method: 'POST', path: '/projects/:project/scan-exceptions', tag: 'scan policies', permission: g.project('manage-settings'), params: ProjectParams, body: ScanExceptionInput,
      status: 201, response: ScanExceptionView,
      summary: 'Except a vulnerability (by id or alias) from the pull policy, for the project, a repository or one image, until it expires',
      handle: async ({ params, body, actor }) => policies.addException(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path: '/projects/:project/scan-exceptions/:id', tag: 'scan policies', permission: g.project('manage-settings'), params: ExceptionParams, status: 204,
      summary: 'Remove a vulnerability exception',
      handle: async ({ params, actor }) => policies.deleteException(actor, params.project, params.id),
    }),
  ];
}
