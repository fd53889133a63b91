import { z } from 'zod';
import type { AuditRecorder } from '../audit/audit-writer.ts';
import { parseRepoPattern, storedPatternMatches } from '../auth/repo-pattern.ts';
import { pathInProject, projectOf } from '../auth/policy.ts';
import type { Actor } from '../identity/identity-context.ts';
import { isoTime } from '../identity/identity-context.ts';
import { badField, parseInput, unknown } from '../identity/validate.ts';
import type { PromotionGateRecord, PromotionGateRepo } from '../meta/promotion-gate.repo.ts';
import type { GateCatalogue, PromotionCandidate } from './promotion-gates.ts';

/** Tag globs: tag characters with `*` for any run of them. */
const TAG_PATTERN_RE = /^[A-Za-z0-9_*][A-Za-z0-9_.*-]{0,127}$/;

export const AddGateBody = z.strictObject({
  kind: z.string().min(1).max(64),
  /** Repository path inside the project (`**` = every repository, `api/*`). */
  repository: z.string().min(1).max(255).default('**'),
  /** Target tag or channel glob (`prod`, `release-*`, `*`). */
  tag: z.string().regex(TAG_PATTERN_RE, 'must be tag characters with * wildcards').default('*'),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const GateView = z.object({
  id: z.string(),
  project: z.string(),
  repository: z.string(),
  tag: z.string(),
  kind: z.string(),
  params: z.record(z.string(), z.unknown()),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type GateView = z.infer<typeof GateView>;

export const GateResult = z.object({ id: z.string(), kind: z.string(), repository: z.string(), tag: z.string(), passed: z.boolean(), reason: z.string() });
export type GateResult = z.infer<typeof GateResult>;

const toView = (g: PromotionGateRecord): GateView => ({
  id: g.id, project: g.project, repository: g.repositoryPattern, tag: g.tagPattern, kind: g.kind, params: g.params, createdBy: g.createdBy, createdAt: isoTime(g.createdAt),
});

function tagMatches(pattern: string, tag: string): boolean {
  return new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(tag);
}

/** Promotion gates per project: managed here (audited), evaluated for each promotion. Safe concurrently. */
export class PromotionGateService {
  constructor(private readonly deps: { repo: PromotionGateRepo; gates: GateCatalogue; audit: AuditRecorder; now(): number }) {}

  /** The kinds gates may have, with their descriptions. */
  kinds(): Array<{ kind: string; description: string }> {
    return [...this.deps.gates.values()].map((g) => ({ kind: g.kind, description: g.description }));
  }

  async list(project: string): Promise<GateView[]> {
    return (await this.deps.repo.list(project)).map(toView);
  }

  /** Throws BAD_REQUEST for an unknown kind, bad params or patterns. */
  async add(actor: Actor, project: string, raw: unknown): Promise<GateView> {
    const input = parseInput(AddGateBody, raw);
    const gate = this.deps.gates.get(input.kind);
    if (!gate) throw badField('body.kind', `unknown gate kind "${input.kind}": use one of ${[...this.deps.gates.keys()].join(', ')}`);
    parseRepoPattern(input.repository);
    const params = gate.params.safeParse(input.params);
    if (!params.success) throw badField(`body.params.${params.error.issues[0]?.path.join('.') ?? ''}`.replace(/\.$/, ''), params.error.issues[0]?.message ?? 'invalid');
    const record = await this.deps.repo.add({ project, repositoryPattern: input.repository, tagPattern: input.tag, kind: gate.kind, params: params.data as Record<string, unknown>, createdBy: actor.name });
    this.record(actor, 'promotion-gate.add', project, { id: record.id, kind: record.kind, repository: record.repositoryPattern, tag: record.tagPattern, params: record.params });
    return toView(record);
  }

  /** Throws RESOURCE_UNKNOWN when `id` is not a gate of `project`. */
  async remove(actor: Actor, project: string, id: string): Promise<void> {
    const gate = (await this.deps.repo.list(project)).find((g) => g.id === id);
    if (!gate || !(await this.deps.repo.remove(project, id))) throw unknown('promotion-gate', id);
    this.record(actor, 'promotion-gate.remove', project, { id, kind: gate.kind, repository: gate.repositoryPattern, tag: gate.tagPattern });
  }

  /** Every gate guarding the candidate's target, evaluated in the order they were added. */
  async evaluate(candidate: PromotionCandidate): Promise<GateResult[]> {
    const target = candidate.target.repository;
    const stored = (await this.deps.repo.list(projectOf(target))).filter(
      (g) => storedPatternMatches(g.repositoryPattern, pathInProject(target)) && tagMatches(g.tagPattern, candidate.target.tag),
    );
    const results: GateResult[] = [];
    for (const g of stored) {
      const base = { id: g.id, kind: g.kind, repository: g.repositoryPattern, tag: g.tagPattern };
      const gate = this.deps.gates.get(g.kind);
      // A gate whose kind this server does not know (a feature turned off) must hold promotions back, not wave them through.
      if (!gate) {
        results.push({ ...base, passed: false, reason: `gate kind "${g.kind}" is not available on this server` });
        continue;
      }
      const params = gate.params.safeParse(g.params);
      const verdict = params.success ? await gate.evaluate(candidate, params.data) : { passed: false, reason: `stored params are invalid: ${params.error.issues[0]?.message}` };
      results.push({ ...base, ...verdict });
    }
    return results;
  }

  private record(actor: Actor, action: string, project: string, detail: Record<string, unknown>): void {
    this.deps.audit.record({
      at: this.deps.now(), actorKind: actor.kind, actorName: actor.name, sourceIp: actor.sourceIp, action, project,
      repository: null, reference: null, digest: null, result: 'success', detail,
    });
  }
}
