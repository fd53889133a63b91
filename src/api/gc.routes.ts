import { z } from 'zod';
import type { GcService } from '../gc/gc.service.ts';
import { parseInput } from '../identity/validate.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';

export const GcBody = z.strictObject({
  dryRun: z.boolean().default(false).describe('only report what would be freed'),
});

export const GcReportView = z.object({
  dryRun: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  manifestLinks: z.number().int().describe('manifests unlinked from a repository (untagged, unreferenced, past the grace period)'),
  blobLinks: z.number().int().describe('blobs unlinked from a repository no manifest of which uses them'),
  manifests: z.number().int().describe('manifests removed from the store'),
  manifestBytes: z.number().int(),
  blobs: z.number().int().describe('blobs removed from the store and disk'),
  blobBytes: z.number().int(),
  orphanFiles: z.number().int().describe('files with no blob record (left by a crash)'),
  orphanBytes: z.number().int(),
  keptByRace: z.number().int().describe('deletes refused at the re-check because a push referenced the content meanwhile'),
});

export function gcRoutes(gc: GcService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST', path: '/gc', tag: 'gc', permission: g.admin, body: GcBody, response: GcReportView,
      summary: 'Run garbage collection now (the registry keeps serving); 409 while a run is in progress on any node',
      handle: async (input) => gc.run({ dryRun: parseInput(GcBody, input.body ?? {}).dryRun, actor: input.actor }),
    }),
  ];
}
