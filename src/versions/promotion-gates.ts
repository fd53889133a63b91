import { z } from 'zod';
import { projectOf } from '../auth/policy.ts';
import type { AuditRepo } from '../meta/identity-store.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';

/**
 * Promotion gates: conditions an image must meet before a promotion may move a tag. Each kind is one
 * PromotionGate; the catalogue main.ts builds is the plug-in point (scan-clean and signed-by gates from other
 * features register there). Stored gates name a kind and carry its params.
 */

/** What a gate judges: the image being promoted and where it is going. */
export interface PromotionCandidate {
  source: { repository: RepoName; digest: Digest };
  /** The image's child manifests when it is an index (a pull of one counts as a pull of the image). */
  children: readonly Digest[];
  target: { repository: RepoName; tag: Tag };
  /** Who asks for the promotion. */
  actor: string;
}

export interface GateVerdict {
  passed: boolean;
  /** Why, in words a user can act on: "pushed 3.2 hours ago, needs 24". */
  reason: string;
}

export interface PromotionGate<P = unknown> {
  kind: string;
  /** One line for help and the API. */
  description: string;
  /** Validates stored and submitted params (BAD_REQUEST on failure). */
  params: z.ZodType<P>;
  /** Never throws for a "no": the verdict says why. May throw for a store failure. Safe concurrently. */
  evaluate(candidate: PromotionCandidate, params: P): Promise<GateVerdict>;
}

export type GateCatalogue = ReadonlyMap<string, PromotionGate<any>>;

export function gateCatalogue(gates: readonly PromotionGate<any>[]): GateCatalogue {
  const map = new Map<string, PromotionGate<any>>();
  for (const g of gates) {
    if (map.has(g.kind)) throw new Error(`duplicate promotion gate kind ${g.kind}`);
    map.set(g.kind, g);
  }
  return map;
}

const HOUR_MS = 3_600_000;

/** `min-age`: the image was pushed to (or promoted into) the source repository at least `hours` ago. */
export function minAgeGate(deps: { linkedAt(repo: RepoName, digest: Digest): Promise<number | undefined>; now(): number }): PromotionGate<{ hours: number }> {
  return {
    kind: 'min-age',
    description: 'the image has been in the source repository at least `hours` hours',
    params: z.strictObject({ hours: z.number().positive().max(24 * 365) }),
    async evaluate(c, { hours }) {
      const at = await deps.linkedAt(c.source.repository, c.source.digest);
      if (at === undefined) return { passed: false, reason: `the image is not in ${c.source.repository}` };
      const age = (deps.now() - at) / HOUR_MS;
      const text = `in ${c.source.repository} for ${age.toFixed(1)} hours, needs ${hours}`;
      return { passed: age >= hours, reason: text };
    },
  };
}

/** Audit events read per page while looking for a pull. */
const PULL_PAGE = 500;
/** The most pull events of one principal looked at: beyond that the gate answers no. */
const PULL_SCAN_MAX = 20_000;

/** `pulled-by`: the image (or one of its platform manifests) was pulled from the source by `principal` at least once. */
export function pulledByGate(deps: { audit: Pick<AuditRepo, 'query'> }): PromotionGate<{ principal: string }> {
  return {
    kind: 'pulled-by',
    description: 'the image was pulled from the source repository by `principal` (a user or robot name, e.g. a test environment)',
    params: z.strictObject({ principal: z.string().min(1).max(255) }),
    async evaluate(c, { principal }) {
      const wanted = new Set<string>([c.source.digest, ...c.children]);
      let afterSeq: number | undefined;
      for (let seen = 0; seen < PULL_SCAN_MAX; ) {
        const page = await deps.audit.query({ actorName: principal, action: 'registry.pull', result: 'success', project: projectOf(c.source.repository) }, { limit: PULL_PAGE, ...(afterSeq !== undefined ? { afterSeq } : {}) });
        const hit = page.find((e) => e.repository === c.source.repository && e.digest !== null && wanted.has(e.digest));
        if (hit) return { passed: true, reason: `pulled by ${principal} at ${new Date(hit.at).toISOString()}` };
        if (page.length < PULL_PAGE) break;
        seen += page.length;
        afterSeq = page[page.length - 1]!.seq;
      }
      return { passed: false, reason: `never pulled from ${c.source.repository} by ${principal}` };
    },
  };
}

/** `release-note`: the image carries release notes (a referrer of type application/vnd.berth.release-notes.v1+json). */
export function releaseNoteGate(deps: { has(repo: RepoName, digest: Digest): Promise<boolean> }): PromotionGate<Record<string, never>> {
  return {
    kind: 'release-note',
    description: 'the image carries release notes (berth release-notes set)',
    params: z.strictObject({}),
    async evaluate(c) {
      return (await deps.has(c.source.repository, c.source.digest))
        ? { passed: true, reason: 'has release notes' }
        : { passed: false, reason: `${c.source.repository}@${c.source.digest} has no release notes` };
    },
  };
}
