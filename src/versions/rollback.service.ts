import type { AuditRecorder } from '../audit/audit-writer.ts';
import { projectOf } from '../auth/policy.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { Actor } from '../identity/identity-context.ts';
import type { TagHistoryEntry, TagHistoryRepo } from '../meta/tag-history.repo.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { TagChangeKind, TagGuard } from './tag-change.ts';
import { digestsInHistory, tagLineage } from './tag-history.ts';

/** The most history entries a rollback replays; older moves are outside any sensible window. */
const TIMELINE_LIMIT = 5_000;

export interface RollbackRequest {
  /** Move to this digest (one the tag pointed at before). */
  to?: Digest;
  /** Go back this many steps in the tag's lineage (default 1). Ignored with `to`. */
  steps?: number;
}

export interface TagMoveResult {
  repository: RepoName;
  tag: Tag;
  /** Undefined for a restore (the tag did not exist). */
  from?: Digest;
  to: Digest;
  /** Warn-mode tag rule findings the guard returned. */
  warnings: string[];
}

/**
 * Tag history reading, rollback and restore. Every move is a compare-and-set on the digest the decision was
 * made from, so two concurrent rollbacks cannot interleave: the second gets CONFLICT and decides again. Moves
 * go through the TagGuard (immutable tags, naming rules) and are audited after they commit.
 */
export class RollbackService {
  constructor(
    private readonly deps: {
      history: TagHistoryRepo;
      guard: TagGuard;
      audit: AuditRecorder;
      now: () => number;
    },
  ) {}

  /** Newest first. Throws RESOURCE_UNKNOWN for a tag that neither exists nor ever existed. */
  async history(repo: RepoName, tag: Tag, page: { limit: number; before?: number }): Promise<{ items: TagHistoryEntry[]; hasMore: boolean }> {
    const result = await this.deps.history.list(repo, tag, page);
    if (result.items.length === 0 && page.before === undefined && (await this.deps.history.current(repo, tag)) === undefined) throw unknownTag(repo, tag);
    return result;
  }

  /**
   * Moves an existing tag back: to `to`, or `steps` back in its lineage (tag-history.ts). Throws
   * MANIFEST_UNKNOWN (no such tag; or the target's content is gone, naming the digest), BAD_REQUEST (`to` is
   * not in the tag's history, or not that many earlier digests), CONFLICT (already there, or moved meanwhile),
   * and whatever the TagGuard throws.
   */
  async rollback(repo: RepoName, tag: Tag, req: RollbackRequest, actor: Actor): Promise<TagMoveResult> {
    const current = await this.deps.history.current(repo, tag);
    if (current === undefined) {
      throw new BerthError('MANIFEST_UNKNOWN', { message: `tag ${repo}:${tag} does not exist; a deleted tag is brought back with restore`, detail: { tag } });
    }
    const entries = await this.deps.history.timeline(repo, tag, TIMELINE_LIMIT);
    let to: Digest;
    const steps = req.to === undefined ? req.steps ?? 1 : undefined;
    if (req.to !== undefined) {
      if (req.to === current) throw new BerthError('CONFLICT', { message: `${repo}:${tag} already points at ${current}`, detail: { digest: current } });
      if (!digestsInHistory(entries).has(req.to)) {
        throw new BerthError('BAD_REQUEST', { message: `${repo}:${tag} never pointed at ${req.to}: see its history`, detail: { digest: req.to } });
      }
      to = req.to;
    } else {
      const lineage = tagLineage(entries, current);
      const earlier = lineage.length - 1;
      if (steps! > earlier) {
        throw new BerthError('BAD_REQUEST', {
          message: earlier === 0 ? `${repo}:${tag} has no earlier digest to roll back to` : `${repo}:${tag} has only ${earlier} earlier digest(s) in its history, not ${steps}`,
          detail: { steps, earlier },
        });
      }
      to = lineage[earlier - steps!]!;
    }
    const result = await this.move(repo, tag, current, to, 'rollback', actor);
    this.audit('tag.rollback', repo, tag, actor, { from: current, to, ...(steps !== undefined ? { steps } : {}) });
    return result;
  }

  /**
   * Brings a deleted tag back: to `to` (a digest in its history) or to the digest it pointed at when deleted.
   * Throws RESOURCE_UNKNOWN (no history), CONFLICT (the tag exists), BAD_REQUEST, MANIFEST_UNKNOWN (content gone).
   */
  async restore(repo: RepoName, tag: Tag, req: { to?: Digest }, actor: Actor): Promise<TagMoveResult> {
    const current = await this.deps.history.current(repo, tag);
    if (current !== undefined) {
      throw new BerthError('CONFLICT', { message: `tag ${repo}:${tag} exists (it points at ${current}): use rollback to move it`, detail: { digest: current } });
    }
    const entries = await this.deps.history.timeline(repo, tag, TIMELINE_LIMIT);
    if (entries.length === 0) throw unknownTag(repo, tag);
    if (req.to !== undefined && !digestsInHistory(entries).has(req.to)) {
      throw new BerthError('BAD_REQUEST', { message: `${repo}:${tag} never pointed at ${req.to}: see its history`, detail: { digest: req.to } });
    }
    const to = req.to ?? tagLineage(entries).at(-1);
    if (to === undefined) throw unknownTag(repo, tag);
    const result = await this.move(repo, tag, undefined, to, 'restore', actor);
    const attachments = await this.restoreAttachments(repo, to, actor);
    this.audit('tag.restore', repo, tag, actor, { to, ...(attachments.length > 0 ? { attachments } : {}) });
    return result;
  }

  /**
   * Retention deletes tools' tags (cosign `.sig`/`.att`/`.sbom`, the `sha256-<hex>` fallback index) together with
   * the last tag of their image; restoring the image brings back those it deleted, so a signed image comes back
   * signed. Tags a person deleted stay deleted; one whose content is gone is skipped. Returns the tags restored.
   */
  private async restoreAttachments(repo: RepoName, image: Digest, actor: Actor): Promise<string[]> {
    const base = `sha256-${image.slice('sha256:'.length)}`;
    const restored: string[] = [];
    for (const name of [base, `${base}.sig`, `${base}.att`, `${base}.sbom`]) {
      const tag = name as Tag;
      if ((await this.deps.history.current(repo, tag)) !== undefined) continue;
      const last = (await this.deps.history.timeline(repo, tag, 1)).at(-1);
      if (last?.how !== 'retention' || last.to !== undefined || last.from === undefined) continue;
      try {
        await this.move(repo, tag, undefined, last.from, 'restore', actor);
        restored.push(name);
      } catch (err) {
        if (!(err instanceof BerthError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'CONFLICT'))) throw err;
      }
    }
    return restored;
  }

  private async move(repo: RepoName, tag: Tag, from: Digest | undefined, to: Digest, how: TagChangeKind, actor: Actor): Promise<TagMoveResult> {
    const { warnings } = await this.deps.guard.check({ repo, tag, ...(from !== undefined ? { from } : {}), to, how, actor: actor.name });
    const outcome = await this.deps.history.move({ repo, tag, expected: from, to, change: { how, actor: actor.name } });
    if (outcome === 'gone') {
      throw new BerthError('MANIFEST_UNKNOWN', {
        message: `manifest ${to} is no longer stored in ${repo} (deleted or garbage-collected): cannot ${how} ${tag} to it`,
        detail: { digest: to },
      });
    }
    if (outcome === 'conflict') {
      throw new BerthError('CONFLICT', { message: `${repo}:${tag} was changed by someone else meanwhile: look at its history and try again`, detail: { tag } });
    }
    return { repository: repo, tag, ...(from !== undefined ? { from } : {}), to, warnings };
  }

  private audit(action: string, repo: RepoName, tag: Tag, actor: Actor, detail: Record<string, unknown>): void {
    this.deps.audit.record({
      at: this.deps.now(),
      actorKind: actor.kind,
      actorName: actor.name,
      sourceIp: actor.sourceIp,
      action,
      project: projectOf(repo),
      repository: repo,
      reference: tag,
      digest: (detail.to as string | undefined) ?? null,
      result: 'success',
      detail,
    });
  }
}

function unknownTag(repo: RepoName, tag: Tag): BerthError {
  return new BerthError('RESOURCE_UNKNOWN', { message: `tag ${repo}:${tag} has no history`, detail: { tag } });
}
