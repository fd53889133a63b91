import { z } from 'zod';
import { verifyChain } from '../audit/audit-verify.ts';
import type { AuditEvent, AuditFilter, AuditRepo } from '../meta/identity-store.ts';
import { isoTime } from './identity-context.ts';
import { ListQuery, type Paged } from './list-page.ts';
import { badField, Timestamp, toEpochMs } from './validate.ts';

const Result = z.enum(['success', 'failure', 'denied']);

export const AuditQuery = ListQuery.extend({
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  actor: z.string().min(1).max(256).optional(),
  project: z.string().min(1).max(255).optional(),
  action: z.string().min(1).max(100).optional(),
  result: Result.optional(),
  /** `jsonl` streams every matching event, oldest first, as JSON lines (the export format). */
  format: z.enum(['json', 'jsonl']).default('json'),
});
export type AuditQuery = z.output<typeof AuditQuery>;

export const AuditEventView = z.object({
  seq: z.number(),
  at: z.string(),
  actorKind: z.string(),
  actorName: z.string(),
  sourceIp: z.string().nullable(),
  action: z.string(),
  project: z.string().nullable(),
  repository: z.string().nullable(),
  reference: z.string().nullable(),
  digest: z.string().nullable(),
  result: Result,
  detail: z.record(z.string(), z.unknown()).nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

export const AuditVerifyView = z.object({
  ok: z.boolean(),
  checked: z.number(),
  firstBadSeq: z.number().optional(),
  problem: z.string().optional(),
  reason: z.string().optional(),
  lastSeq: z.number().optional(),
});
export type AuditVerifyView = z.infer<typeof AuditVerifyView>;

/** Which events a caller may read: all, or only those of some projects. */
export interface AuditScope {
  projects?: readonly string[];
}

const EXPORT_BATCH = 500;

const toView = (e: AuditEvent): AuditEventView => ({ ...e, at: isoTime(e.at) });

/** Reading the audit trail: filtered pages, filtered exports, chain verification. Read-only; safe concurrently. */
export class AuditQueryService {
  constructor(private readonly deps: { audit: Pick<AuditRepo, 'query' | 'scan' | 'anchor'> }) {}

  /** Newest first; the cursor is the last event's seq. Throws BAD_REQUEST for a malformed cursor. */
  async query(scope: AuditScope, query: AuditQuery): Promise<Paged<AuditEventView>> {
    const afterSeq = parseCursor(query.cursor);
    const events = await this.deps.audit.query(toFilter(scope, query), { limit: query.limit + 1, ...(afterSeq !== undefined ? { afterSeq } : {}) });
    const page = events.slice(0, query.limit);
    return { items: page.map(toView), next: events.length > query.limit ? String(page.at(-1)!.seq) : null };
  }

  /** Every matching event, oldest first, read in batches (for the JSON lines export). */
  async *export(scope: AuditScope, query: AuditQuery): AsyncIterable<AuditEvent> {
    const filter = toFilter(scope, query);
    let afterSeq = parseCursor(query.cursor);
    for (;;) {
      const batch = await this.deps.audit.query(filter, { limit: EXPORT_BATCH, ascending: true, ...(afterSeq !== undefined ? { afterSeq } : {}) });
      yield* batch;
      if (batch.length < EXPORT_BATCH) return;
      afterSeq = batch.at(-1)!.seq;
    }
  }

  /** Recomputes the whole hash chain from its anchor. */
  async verify(): Promise<AuditVerifyView> {
    const verdict = await verifyChain(this.deps.audit.scan(0, EXPORT_BATCH), await this.deps.audit.anchor());
    return {
      ok: verdict.ok,
      checked: verdict.checked,
      ...(verdict.firstBadSeq !== undefined ? { firstBadSeq: verdict.firstBadSeq } : {}),
      ...(verdict.problem !== undefined ? { problem: verdict.problem } : {}),
      ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}),
      ...(verdict.lastSeq !== undefined ? { lastSeq: verdict.lastSeq } : {}),
    };
  }
}

function toFilter(scope: AuditScope, query: AuditQuery): AuditFilter {
  return {
    ...(query.from !== undefined ? { from: toEpochMs(query.from) } : {}),
    ...(query.to !== undefined ? { to: toEpochMs(query.to) } : {}),
    ...(query.actor !== undefined ? { actorName: query.actor } : {}),
    ...(query.project !== undefined ? { project: query.project } : {}),
    ...(scope.projects !== undefined ? { projects: scope.projects } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.result !== undefined ? { result: query.result } : {}),
  };
}

function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw badField('query.cursor', 'not a cursor this endpoint returned');
  return Number(cursor);
}
