import { z } from 'zod';
import { parseInput } from '../identity/validate.ts';
import { RetentionPolicy } from '../versions/retention-rules.ts';
import { RetentionPolicyView, RetentionReportView, type RetentionService } from '../versions/retention.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { ProjectParams } from './project.routes.ts';

const RunBody = z.strictObject({ dryRun: z.boolean().default(false).describe('only list what would go and why the rest stays') });

export function retentionRoutes(retention: RetentionService, g: Guards): ApiRoute[] {
  const base = '/projects/:project/retention';
  return [
    defineRoute({
      method: 'GET', path: base, tag: 'retention', permission: g.project('read'), params: ProjectParams, response: RetentionPolicyView,
      summary: "A project's retention policy (404 when it has none)",
      handle: ({ params }) => retention.get(params.project),
    }),
    defineRoute({
      method: 'PUT', path: base, tag: 'retention', permission: g.project('manage-retention'), params: ProjectParams, body: RetentionPolicy, response: RetentionPolicyView,
      summary: "Set a project's retention policy (keep rules; a tag no rule keeps is deleted by the next run). Audited",
      handle: ({ params, body, actor }) => retention.set(actor, params.project, body),
    }),
    defineRoute({
      method: 'DELETE', path: base, tag: 'retention', permission: g.project('manage-retention'), params: ProjectParams, status: 204,
      summary: "Remove a project's retention policy. Audited",
      handle: ({ params, actor }) => retention.remove(actor, params.project),
    }),
    defineRoute({
      method: 'POST', path: `${base}/runs`, tag: 'retention', permission: g.project('manage-retention'), params: ProjectParams, body: RunBody, response: RetentionReportView,
      summary: 'Run the policy now: every tag deleted (or, dry, that would be) and why each kept tag stays, with the bytes GC frees afterwards; 409 while a run is in progress',
      handle: ({ params, body, actor }) => retention.run(params.project, { dryRun: parseInput(RunBody, body ?? {}).dryRun, actor }),
    }),
  ];
}
