import type { AuditEvent } from '../meta/identity-store.ts';
import { chainHash } from './audit-hash.ts';

/**
 * Recomputes the audit hash chain (`berth audit verify`). What each check catches:
 * - hash-mismatch: a field of the event was altered, or its stored hash was replaced by an arbitrary one;
 * - broken-link: the event does not chain to the one before it: an event before it was deleted, the events were
 *   reordered, or an altered event's hash was recomputed ("forged") so the next link no longer fits;
 * - seq-gap / seq-order: sequence numbers skip (deleted rows) or go backwards or repeat (reordered, duplicated);
 * - truncated / checkpoint-mismatch: against a checkpoint kept outside the database, the newest events were
 *   deleted, or the whole chain from the checkpoint on was rewritten.
 * Without a checkpoint, deleting or rewriting the newest events cannot be detected from the chain alone.
 */

export type ChainProblem = 'hash-mismatch' | 'broken-link' | 'seq-gap' | 'seq-order' | 'truncated' | 'checkpoint-mismatch';

/** A (seq, hash) pair taken from an earlier verification (`lastSeq`, `lastHash`) and stored elsewhere. */
export interface ChainCheckpoint {
  seq: number;
  hash: string;
}

export interface ChainVerdict {
  ok: boolean;
  /** Events that passed every check (when not ok: the ones before `firstBadSeq`). */
  checked: number;
  /** The first event that failed, or the checkpoint's seq for truncated / checkpoint-mismatch. */
  firstBadSeq?: number;
  problem?: ChainProblem;
  /** Human-readable, for logs and the CLI. */
  reason?: string;
  /** The newest event checked: record it as the next checkpoint. Absent when no event was checked. */
  lastSeq?: number;
  lastHash?: string;
}

export interface VerifyOptions {
  /**
   * An event known from an earlier run. If the chain still holds that seq, it must carry that hash; if the chain
   * ends before it, the newest events were removed. If retention already deleted it, it is not checked.
   */
  checkpoint?: ChainCheckpoint;
}

/**
 * Walks `events` (in seq order, as AuditRepo.scan yields them) and stops at the first problem. `anchor` is the
 * prevHash the oldest event must chain to (AuditRepo.anchor(): '' for a chain never truncated). Reads the
 * iterable once; never throws for a bad chain (only if the iterable itself throws).
 */
export async function verifyChain(events: AsyncIterable<AuditEvent>, anchor: string, options: VerifyOptions = {}): Promise<ChainVerdict> {
  const checkpoint = options.checkpoint;
  let previous: AuditEvent | undefined;
  let checked = 0;
  let firstSeq: number | undefined;
  const fail = (seq: number, problem: ChainProblem, reason: string): ChainVerdict => ({
    ok: false,
    checked,
    firstBadSeq: seq,
    problem,
    reason,
    ...(previous ? { lastSeq: previous.seq, lastHash: previous.hash } : {}),
  });

  for await (const event of events) {
    firstSeq ??= event.seq;
    if (!Number.isSafeInteger(event.seq)) return fail(event.seq, 'seq-order', `event has an invalid seq ${String(event.seq)}`);
    if (previous) {
      if (event.seq <= previous.seq) return fail(event.seq, 'seq-order', `seq ${event.seq} follows seq ${previous.seq}: events are out of order or repeated`);
      if (event.seq !== previous.seq + 1) return fail(event.seq, 'seq-gap', `seq ${event.seq} follows seq ${previous.seq}: events ${previous.seq + 1}..${event.seq - 1} are missing`);
    }
    const expectedPrev = previous ? previous.hash : anchor;
    if (event.prevHash !== expectedPrev) {
      return fail(
        event.seq,
        'broken-link',
        previous
          ? `seq ${event.seq} does not chain to seq ${previous.seq}: an event was deleted, reordered or rewritten`
          : `seq ${event.seq} does not chain to the anchor: events before it were deleted or it was rewritten`,
      );
    }
    if (chainHash(event.prevHash, event) !== event.hash) {
      return fail(event.seq, 'hash-mismatch', `seq ${event.seq} does not match its hash: the event was altered or its hash replaced`);
    }
    if (checkpoint && event.seq === checkpoint.seq && event.hash !== checkpoint.hash) {
      return fail(event.seq, 'checkpoint-mismatch', `seq ${event.seq} differs from the checkpoint: events up to it were rewritten`);
    }
    previous = event;
    checked++;
  }

  const lastSeq = previous?.seq;
  if (checkpoint && (lastSeq === undefined || lastSeq < checkpoint.seq) && !(firstSeq !== undefined && firstSeq > checkpoint.seq)) {
    return fail(checkpoint.seq, 'truncated', `the chain ends at ${lastSeq === undefined ? 'no event' : `seq ${lastSeq}`} but the checkpoint saw seq ${checkpoint.seq}: the newest events were deleted`);
  }
  return { ok: true, checked, ...(previous ? { lastSeq: previous.seq, lastHash: previous.hash } : {}) };
}
