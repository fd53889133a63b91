import { z } from 'zod';
import type { AuditRecorder } from '../audit/audit-writer.ts';
import { projectOf } from '../auth/policy.ts';
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import type { Actor } from '../identity/identity-context.ts';
import { parseInput } from '../identity/validate.ts';
import type { ProjectRepo } from '../meta/identity-store.ts';
import type { BlobRepo, ManifestRepo } from '../meta/meta-store.ts';
import type { TagHistoryRepo } from '../meta/tag-history.repo.ts';
import type { Digest } from '../oci/digest.ts';
import { parseImageRef } from '../oci/image-ref.ts';
import { parseTag, type RepoName, type Tag } from '../oci/names.ts';
import { PromotionCopier } from './promotion-copy.ts';
import { GateResult, type PromotionGateService } from './promotion-gates.service.ts';
import type { TagGuard } from './tag-change.ts';

export const PromoteBody = z.strictObject({
  /** `project/repo:tag` or `project/repo@sha256:...` on this server. */
  source: z.string().min(1).max(512),
  /** A channel (a tag in the same repository: `prod`) or `project/repo[:tag]` (the source's tag when omitted). */
  to: z.string().min(1).max(512),
  dryRun: z.boolean().default(false),
});

export const PromotionView = z.object({
  source: z.object({ repository: z.string(), reference: z.string(), digest: z.string() }),
  target: z.object({ repository: z.string(), tag: z.string(), previous: z.string().nullable() }),
  dryRun: z.boolean(),
  /** Every gate passed and the tag rules allow the move. */
  allowed: z.boolean(),
  /** The target tag was moved by this call (false on a dry run, and when it already pointed at the image). */
  moved: z.boolean(),
  gates: z.array(GateResult),
  tagRule: z.object({ allowed: z.boolean(), reason: z.string().nullable(), warnings: z.array(z.string()) }),
  copied: z.object({
    manifests: z.number(),
    blobsLinked: z.number(),
    referrers: z.array(z.object({ digest: z.string(), artifactType: z.string().nullable(), tag: z.string().nullable() })),
    conflicts: z.array(z.object({ tag: z.string(), kept: z.string(), skipped: z.string() })),
  }),
});
export type PromotionView = z.infer<typeof PromotionView>;

/** Who promotes, and what the access policy lets them do. */
export interface PromotionCaller {
  actor: Actor;
  mayPull(repo: RepoName): Promise<boolean>;
  mayPush(repo: RepoName): Promise<boolean>;
}

function parseTarget(raw: string, source: RepoName, sourceTag: Tag | undefined): { repository: RepoName; tag: Tag } {
  if (!raw.includes('/')) return { repository: source, tag: parseTag(raw) };
  const ref = parseImageRef(raw);
  if (ref.registry !== undefined || ref.digest !== undefined) {
    throw new BerthError('BAD_REQUEST', { message: `invalid target "${raw.slice(0, 200)}": use a channel (prod) or project/repo[:tag] on this server`, detail: { field: 'body.to' } });
  }
  const explicitTag = raw.lastIndexOf(':') > raw.lastIndexOf('/');
  const tag = explicitTag ? ref.tag : sourceTag;
  if (tag === undefined) throw new BerthError('BAD_REQUEST', { message: 'the source is a digest: name the target tag (project/repo:tag)', detail: { field: 'body.to' } });
  return { repository: ref.repository, tag };
}

/**
 * Promotion inside one Berth: the image a source reference names is copied by digest into the target
 * repository with everything that travels with it (PromotionCopier), then the target tag is moved to it with a
 * compare-and-set recorded in tag history as a 'promotion'. Before anything is written: pull on the source,
 * push on the target, every gate guarding the target, and the project's tag rules (TagGuard). Audited.
 */
export class PromotionService {
  constructor(
    private readonly deps: {
      store: { manifests: ManifestRepo; blobs: BlobRepo; tagHistory: Pick<TagHistoryRepo, 'current' | 'move'>; projects: Pick<ProjectRepo, 'find'> };
      gates: Pick<PromotionGateService, 'evaluate'>;
      tagGuard: TagGuard;
      audit: AuditRecorder;
      now(): number;
    },
  ) {}

  /**
   * Throws BAD_REQUEST (references), MANIFEST_UNKNOWN (source missing or not pullable), DENIED (no push on the
   * target, or a tag rule), TAG_INVALID (naming rule), PROMOTION_GATE_FAILED (412, detail.gates lists every
   * result), CONFLICT (the target tag moved meanwhile). A dry run throws only for the first three and answers
   * the verdict.
   */
  async promote(caller: PromotionCaller, raw: unknown): Promise<PromotionView> {
    const input = parseInput(PromoteBody, raw);
    const src = parseImageRef(input.source);
    if (src.registry !== undefined) throw new BerthError('BAD_REQUEST', { message: 'the source must be an image on this server (project/repo:tag)', detail: { field: 'body.source' } });
    const reference = src.digest ?? src.tag!;
    const notFound = () => new BerthError('MANIFEST_UNKNOWN', { message: `${src.repository}:${reference} not found`, detail: { repository: src.repository, reference } });
    if (!(await caller.mayPull(src.repository))) throw notFound();
    const image = await this.deps.store.manifests.get(src.repository, src.digest ? { kind: 'digest', digest: src.digest } : { kind: 'tag', tag: src.tag! });
    if (!image) throw notFound();
    const target = parseTarget(input.to, src.repository, src.digest ? undefined : src.tag);
    if (!(await caller.mayPush(target.repository))) {
      throw new BerthError('DENIED', { message: `you may not push to ${target.repository}`, detail: { repository: target.repository, action: 'push' } });
    }
    // A push may create a project; a promotion only goes where a project was made to receive it.
    const project = projectOf(target.repository);
    if (!(await this.deps.store.projects.find(project))) throw new BerthError('RESOURCE_UNKNOWN', { message: `project ${project} does not exist`, detail: { project } });

    const change = { how: 'promotion' as const, actor: caller.actor.name };
    const copier = new PromotionCopier(this.deps.store, src.repository, target.repository, change, true);
    const children = await copier.image(image.digest);
    const previous = (await this.deps.store.tagHistory.current(target.repository, target.tag)) ?? null;
    const gates = await this.deps.gates.evaluate({ source: { repository: src.repository, digest: image.digest }, children, target, actor: caller.actor.name });
    const tagRule = await this.checkTagRule(target, previous, image.digest, change.actor);
    const view = (copied: PromotionCopier['report'], moved: boolean, dryRun: boolean): PromotionView => ({
      source: { repository: src.repository, reference, digest: image.digest },
      target: { ...target, previous },
      dryRun,
      allowed: gates.every((g) => g.passed) && tagRule.allowed,
      moved,
      gates,
      tagRule: { allowed: tagRule.allowed, reason: tagRule.error?.message ?? null, warnings: tagRule.warnings },
      copied,
    });
    if (input.dryRun) {
      await copier.referrersOf([image.digest, ...children]);
      return view(copier.report, false, true);
    }
    const audit = (result: 'success' | 'failure' | 'denied', extra: Record<string, unknown>) => this.record(caller.actor, result, target, image.digest, {
      source: `${src.repository}${src.digest ? '@' : ':'}${reference}`, target: `${target.repository}:${target.tag}`, from: previous, gates, ...extra,
    });
    const failed = gates.filter((g) => !g.passed);
    if (failed.length > 0) {
      audit('failure', { code: 'PROMOTION_GATE_FAILED' });
      const first = failed[0]!;
      throw new BerthError('PROMOTION_GATE_FAILED', {
        message: `promotion to ${target.repository}:${target.tag} refused by gate ${first.kind} (${first.id}): ${first.reason}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}`,
        detail: { gates },
      });
    }
    if (tagRule.error) {
      audit('denied', { code: tagRule.error.code });
      throw tagRule.error;
    }

    const writer = new PromotionCopier(this.deps.store, src.repository, target.repository, change, false);
    await writer.image(image.digest);
    await writer.referrersOf([image.digest, ...children]);
    let moved = false;
    if (previous !== image.digest) {
      const outcome = await this.deps.store.tagHistory.move({ repo: target.repository, tag: target.tag, expected: previous ?? undefined, to: image.digest, change });
      if (outcome !== 'moved') {
        audit('failure', { code: 'CONFLICT', outcome });
        throw new BerthError('CONFLICT', { message: `${target.repository}:${target.tag} changed while promoting: try again`, detail: { outcome } });
      }
      moved = true;
    }
    const result = view(writer.report, moved, false);
    audit('success', { moved, referrers: result.copied.referrers.length, blobsLinked: result.copied.blobsLinked });
    return result;
  }

  private async checkTagRule(target: { repository: RepoName; tag: Tag }, from: Digest | null, to: Digest, actor: string): Promise<{ allowed: boolean; warnings: string[]; error?: BerthError }> {
    try {
      const { warnings } = await this.deps.tagGuard.check({ repo: target.repository, tag: target.tag, ...(from ? { from } : {}), to, how: 'promotion', actor });
      return { allowed: true, warnings };
    } catch (err) {
      if (isBerthError(err, 'DENIED') || isBerthError(err, 'TAG_INVALID')) return { allowed: false, warnings: [], error: err };
      throw err;
    }
  }

  private record(actor: Actor, result: 'success' | 'failure' | 'denied', target: { repository: RepoName; tag: Tag }, digest: string, detail: Record<string, unknown>): void {
    this.deps.audit.record({
      at: this.deps.now(), actorKind: actor.kind, actorName: actor.name, sourceIp: actor.sourceIp, action: 'promotion',
      project: projectOf(target.repository), repository: target.repository, reference: target.tag, digest, result, detail,
    });
  }
}
