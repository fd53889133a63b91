import { z } from 'zod';
import type { AuditRecorder } from '../audit/audit-writer.ts';
import { isBerthError } from '../errors/berth-error.ts';
import { planGc, tagKey } from '../gc/gc-plan.ts';
import { withLease } from '../gc/job-lease.ts';
import type { Actor } from '../identity/identity-context.ts';
import { parseInput, unknown } from '../identity/validate.ts';
import type { GcRepo } from '../meta/gc.repo.ts';
import type { TagRepo } from '../meta/meta-store.ts';
import type { RetentionRepo } from '../meta/retention.repo.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import { evaluateRetention, KEEP_REASONS, RetentionPolicy, type RetentionTag } from './retention-rules.ts';
import type { TagGuard } from './tag-change.ts';

export const RetentionPolicyView = z.object({
  project: z.string(),
  policy: RetentionPolicy,
  updatedBy: z.string(),
  updatedAt: z.string(),
});
export type RetentionPolicyView = z.output<typeof RetentionPolicyView>;

const TagEntry = z.object({ repository: z.string(), tag: z.string(), digest: z.string() });

export const RetentionReportView = z.object({
  project: z.string(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Tags deleted (or, dry, that would be). */
  deleted: z.array(TagEntry.extend({ detail: z.string() })),
  /** Tags kept, each with the first reason in the precedence order. */
  kept: z.array(TagEntry.extend({ reason: z.enum(KEEP_REASONS), detail: z.string() })),
  /** Deletes skipped because the tag moved or went after it was evaluated. */
  skipped: z.array(TagEntry),
  freed: z.object({
    manifests: z.number().int(),
    blobs: z.number().int(),
    /** Unique bytes of the content that becomes unreferenced (blobs no other tag or repository keeps). */
    blobBytes: z.number().int(),
  }).describe('what garbage collection frees once the history window has passed (deleted tags can be restored until then)'),
});
export type RetentionReport = z.output<typeof RetentionReportView>;

/**
 * Retention per project (#4): policies (manage-retention, audited) and runs, manual or scheduled. A run reads
 * every tag of the project, asks the TagGuard whether each may be deleted (an immutable rule's refusal keeps it),
 * evaluates the policy (retention-rules.ts) and deletes the rest through the store's tag delete, only while the
 * tag still points where it did (recorded in tag history as `retention`). The content itself goes later, by GC.
 */
export class RetentionService {
  constructor(
    private readonly deps: {
      retention: RetentionRepo;
      gc: Pick<GcRepo, 'graph' | 'acquireLease' | 'releaseLease' | 'leaseHolder'>;
      tags: Pick<TagRepo, 'delete'>;
      guard: TagGuard;
      audit: AuditRecorder;
      now: () => number;
      historyWindowMs: number;
    },
  ) {}

  /** Throws RESOURCE_UNKNOWN when the project has no policy. */
  async get(project: string): Promise<RetentionPolicyView> {
    const stored = await this.deps.retention.get(project);
    if (!stored) throw unknown('retention policy of project', project);
    return { project, policy: RetentionPolicy.parse(JSON.parse(stored.rules)), updatedBy: stored.updatedBy, updatedAt: new Date(stored.updatedAt).toISOString() };
  }

  /** Creates or replaces the policy (BAD_REQUEST naming the field when invalid). Audited. */
  async set(actor: Actor, project: string, body: unknown): Promise<RetentionPolicyView> {
    const policy = parseInput(RetentionPolicy, body);
    await this.deps.retention.put({ project, rules: JSON.stringify(policy), updatedBy: actor.name, updatedAt: this.deps.now() });
    this.record(actor, 'retention.policy.set', project, { policy });
    return this.get(project);
  }

  /** Throws RESOURCE_UNKNOWN when there was none. Audited. */
  async remove(actor: Actor, project: string): Promise<void> {
    if (!(await this.deps.retention.delete(project))) throw unknown('retention policy of project', project);
    this.record(actor, 'retention.policy.delete', project, null);
  }

  /** One run for `project`; CONFLICT while another run of it holds the lease (on any node). Audited. */
  run(project: string, opts: { dryRun: boolean; actor: Actor }): Promise<RetentionReport> {
    return withLease({ leases: this.deps.gc, now: this.deps.now }, `retention:${project}`, () => this.evaluate(project, opts));
  }

  /** Runs every project's policy (the schedule); a project whose run fails is skipped, not the others. */
  async runAll(actor: Actor): Promise<RetentionReport[]> {
    const reports: RetentionReport[] = [];
    for (const project of await this.deps.retention.projects()) {
      try {
        reports.push(await this.run(project, { dryRun: false, actor }));
      } catch (err) {
        if (!isBerthError(err, 'CONFLICT')) this.record(actor, 'retention.run', project, { error: (err as Error).message }, 'failure');
      }
    }
    return reports;
  }

  private async evaluate(project: string, opts: { dryRun: boolean; actor: Actor }): Promise<RetentionReport> {
    const { policy } = await this.get(project);
    const started = this.deps.now();
    const tags = await this.deps.retention.tagsOf(project);
    const pulls = new Map<string, number>();
    if (policy.keepPulledWithinDays !== undefined) {
      for (const p of await this.deps.retention.lastPulls(project, started - policy.keepPulledWithinDays * 86_400_000)) pulls.set(`${p.repository}@${p.digest}`, p.at);
    }
    const candidates: RetentionTag[] = [];
    for (const t of tags) {
      const immutable = await this.refusal(t.repository, t.tag, t.digest, opts.actor.name);
      const pulledAt = pulls.get(`${t.repository}@${t.digest}`);
      candidates.push({ ...t, ...(pulledAt !== undefined ? { pulledAt } : {}), ...(immutable !== undefined ? { immutable } : {}) });
    }
    const verdicts = evaluateRetention(candidates, policy, { now: started, historySince: started - this.deps.historyWindowMs });
    const doomed = verdicts.filter((v) => v.keep === undefined);
    const freed = await this.freedBy(doomed.map((v) => tagKey(v.repository, v.tag)), started);
    const skipped: RetentionReport['skipped'] = [];
    if (!opts.dryRun) {
      for (const v of doomed) {
        const isDeleted = await this.deps.tags.delete(v.repository as RepoName, v.tag as Tag, { how: 'retention', actor: opts.actor.name }, v.digest as Digest);
        if (!isDeleted) skipped.push({ repository: v.repository, tag: v.tag, digest: v.digest });
      }
    }
    const report: RetentionReport = {
      project,
      dryRun: opts.dryRun,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(this.deps.now()).toISOString(),
      deleted: doomed.filter((v) => !skipped.some((s) => s.repository === v.repository && s.tag === v.tag)).map(({ repository, tag, digest, detail }) => ({ repository, tag, digest, detail })),
      kept: verdicts.flatMap(({ repository, tag, digest, keep, detail }) => (keep ? [{ repository, tag, digest, reason: keep, detail }] : [])),
      skipped,
      freed,
    };
    this.record(opts.actor, opts.dryRun ? 'retention.dry-run' : 'retention.run', project, {
      deleted: report.deleted.length, kept: report.kept.length, skipped: skipped.length, freed,
      tags: report.deleted.slice(0, 100).map((d) => `${d.repository}:${d.tag}`),
    });
    return report;
  }

  /** The guard's refusal of deleting the tag (an immutable rule), or undefined when the delete is allowed. */
  private async refusal(repo: RepoName, tag: string, digest: Digest, actor: string): Promise<string | undefined> {
    try {
      await this.deps.guard.check({ repo, tag: tag as Tag, from: digest, how: 'retention', actor });
      return undefined;
    } catch (err) {
      if (isBerthError(err, 'DENIED') || isBerthError(err, 'TAG_INVALID')) return err.message;
      throw err;
    }
  }

  /** What GC frees once these tags are gone and the history window has passed: the difference of two marks. */
  private async freedBy(removed: string[], now: number): Promise<RetentionReport['freed']> {
    if (removed.length === 0) return { manifests: 0, blobs: 0, blobBytes: 0 };
    const graph = await this.deps.gc.graph(Number.MAX_SAFE_INTEGER);
    const before = planGc(graph, { graceBefore: now });
    const after = planGc(graph, { graceBefore: now, removedTags: new Set(removed) });
    const wasGarbage = new Set(before.blobs.map((b) => b.digest));
    const blobs = after.blobs.filter((b) => !wasGarbage.has(b.digest));
    return {
      manifests: after.manifests.length - before.manifests.length,
      blobs: blobs.length,
      blobBytes: blobs.reduce((n, b) => n + b.sizeBytes, 0),
    };
  }

  private record(actor: Actor, action: string, project: string, detail: Record<string, unknown> | null, result: 'success' | 'failure' = 'success'): void {
    this.deps.audit.record({
      at: this.deps.now(), actorKind: actor.kind, actorName: actor.name, sourceIp: actor.sourceIp, action,
      project, repository: null, reference: null, digest: null, result, detail,
    });
  }
}
