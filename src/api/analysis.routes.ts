import { z } from 'zod';
import type { AccessControl } from '../auth/access.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { PlatformChoice } from '../image/image-resolve.ts';
import { badField, unknown } from '../identity/validate.ts';
import { isDigest } from '../oci/digest.ts';
import { isRepoName, isTag, type Reference, type RepoName, type Tag } from '../oci/names.ts';
import { AnalysisImageView, type AnalysisService } from '../storage-report/analysis.service.ts';
import { defineRoute, type ApiRoute, type Guard } from './api-route.ts';
import { checkPull } from './storage.routes.ts';

const PLATFORM_RE = /^(?:all|[a-z0-9_.-]+\/[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)?)$/;

export const AnalysisQuery = z.object({
  image: z.string().min(1).max(512).describe('repo:tag or repo@digest (a bare repo means :latest)'),
  platform: z.string().regex(PLATFORM_RE, 'must be os/arch[/variant] or all').optional()
    .describe('for an index: os/arch[/variant] (default linux/amd64) or all'),
});

/** The answer: the image and cache facts, and the engine's ImageAnalysis exactly as cached. */
export const AnalysisView = z.object({
  image: AnalysisImageView,
  engineVersion: z.number().int(),
  analyzedAt: z.string(),
  isCached: z.boolean(),
  analysis: z.looseObject({ schemaVersion: z.number().int(), source: z.string(), digest: z.string(), mediaType: z.string(), images: z.array(z.looseObject({})) })
    .describe('the ImageAnalysis of src/analyze/analysis.types.ts: layers, history, totals, final files, waste, base, run config, packages, secrets, advice'),
});

/** `repo:tag`, `repo@digest` or `repo` (tag latest) of an image stored in Berth; undefined when malformed. Pure. */
export function parseStoredImage(raw: string): { repo: RepoName; ref: Reference } | undefined {
  const at = raw.indexOf('@');
  if (at !== -1) {
    const [name, digest] = [raw.slice(0, at), raw.slice(at + 1)];
    return isRepoName(name) && isDigest(digest) ? { repo: name, ref: { kind: 'digest', digest } } : undefined;
  }
  const colon = raw.lastIndexOf(':');
  const [name, tag] = colon > raw.lastIndexOf('/') ? [raw.slice(0, colon), raw.slice(colon + 1)] : [raw, 'latest'];
  return isRepoName(name) && isTag(tag) ? { repo: name, ref: { kind: 'tag', tag: tag as Tag } } : undefined;
}

/** A platform the query schema has validated. */
function toPlatformChoice(raw: string | undefined): PlatformChoice | undefined {
  if (raw === undefined || raw === 'all') return raw;
  const [os, architecture, variant] = raw.split('/') as [string, string, string | undefined];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

function imageOrThrow(raw: unknown): { repo: RepoName; ref: Reference } {
  const parsed = typeof raw === 'string' ? parseStoredImage(raw) : undefined;
  if (!parsed) throw badField('query.image', 'must be repo:tag or repo@digest of an image in this registry');
  return parsed;
}

/** Pull on the image's repository; an image the caller may not see answers like a missing one. */
function imagePuller(access: AccessControl): Guard {
  return {
    describe: 'pull on the image\'s repository (others get 404)',
    requiresAuth: true,
    async check(input) {
      if (input.caller.principal.kind === 'anonymous') throw new BerthError('UNAUTHORIZED');
      const raw = String(input.query.image ?? '');
      await checkPull(access, input, imageOrThrow(raw).repo, () => unknown('image', raw));
    },
  };
}

export function analysisRoutes(deps: { analysis: AnalysisService; access: AccessControl }): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/analysis', tag: 'analysis', permission: imagePuller(deps.access), query: AnalysisQuery, response: AnalysisView,
      summary: 'Analyse an image stored here: layers, file changes, waste and efficiency, base image, secrets and advice; cached per manifest digest',
      async handle({ query, reply }) {
        const { repo, ref } = imageOrThrow(query.image);
        const platform = toPlatformChoice(query.platform);
        const answer = await deps.analysis.analyze({ repo, ref, ...(platform ? { platform } : {}) });
        // The cached JSON goes out as stored: no parse and re-serialization of a large document per request.
        const { analysisJson, ...head } = answer;
        const body = `${JSON.stringify(head).slice(0, -1)},"analysis":${analysisJson}}`;
        return reply.code(200).type('application/json; charset=utf-8').send(body);
      },
    }),
  ];
}
