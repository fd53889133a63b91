import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../errors/berth-error.ts';
import type { AuditEvent } from '../meta/identity-store.ts';
import { AUDIT_FIELDS } from './audit-hash.ts';

/**
 * JSON lines export of audit events: one event per line, keys in a fixed order (`seq`, the hashed fields in
 * canonical order, `prevHash`, `hash`). An export can be verified without Berth: each line's hash is the hex
 * sha256 of `prevHash + '\n' + canonical JSON` (see audit-hash.ts), and `readAuditJsonLines` feeds a file back
 * to verifyChain.
 */

export interface ExportOptions {
  /** Stops the export between events; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** End `out` when done (default true). Pass false for process.stdout or to append more after. */
  end?: boolean;
}

export interface ExportResult {
  exported: number;
  /** The last event written, to resume a later export after it. Absent when nothing was written. */
  lastSeq?: number;
}

/** One export line (with its newline). */
export function auditJsonLine(event: AuditEvent): string {
  const record = event as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = { seq: event.seq };
  for (const field of AUDIT_FIELDS) ordered[field] = record[field] ?? null;
  ordered.prevHash = event.prevHash;
  ordered.hash = event.hash;
  return JSON.stringify(ordered) + '\n';
}

/**
 * Writes every event of `events` to `out`, honouring backpressure: no further event is read from `events`
 * while `out` is over its high-water mark, so a slow client never makes the server buffer the audit log.
 * Rejects on a write error, a destination closed early, or an abort; the iterator is then closed (a database
 * cursor behind it released). Not safe to share `out` with another writer while it runs.
 */
export async function exportAuditJsonLines(events: AsyncIterable<AuditEvent>, out: Writable, options: ExportOptions = {}): Promise<ExportResult> {
  const { signal } = options;
  let exported = 0;
  let lastSeq: number | undefined;
  // A write can fail after write() returned true; without a listener that 'error' would crash the process.
  let failure: Error | undefined;
  const onError = (err: Error) => (failure ??= err);
  out.on('error', onError);
  try {
    signal?.throwIfAborted();
    for await (const event of events) {
      signal?.throwIfAborted();
      assertWritable(out, failure);
      if (!out.write(auditJsonLine(event))) await drained(out, signal);
      exported++;
      lastSeq = event.seq;
    }
    assertWritable(out, failure);
    if (options.end ?? true) await ended(out);
  } finally {
    out.off('error', onError);
  }
  return lastSeq === undefined ? { exported } : { exported, lastSeq };
}

/**
 * Reads an export back as events, for verifyChain. Blank lines are skipped. Throws BerthError('BAD_REQUEST')
 * naming the line on one that is not a JSON object with a numeric seq and string hashes.
 */
export async function* readAuditJsonLines(input: Readable): AsyncIterable<AuditEvent> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new BerthError('BAD_REQUEST', { message: `audit export line ${lineNo} is not JSON`, detail: { line: lineNo }, cause: err });
    }
    const event = parsed as Partial<AuditEvent> | null;
    if (!event || typeof event !== 'object' || typeof event.seq !== 'number' || typeof event.prevHash !== 'string' || typeof event.hash !== 'string') {
      throw new BerthError('BAD_REQUEST', { message: `audit export line ${lineNo} is not an audit event`, detail: { line: lineNo } });
    }
    yield event as AuditEvent;
  }
}

function assertWritable(out: Writable, failure: Error | undefined): void {
  if (failure) throw failure;
  if (out.destroyed || out.writableEnded) {
    throw (out.errored as Error | null) ?? new Error('the export destination was closed before the export finished');
  }
}

/** Resolves on 'drain'; rejects if the stream errors or closes first, or on abort. */
function drained(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject((out.errored as Error | null) ?? new Error('the export destination was closed before the export finished'));
    };
    const onAbort = () => {
      cleanup();
      reject(signal!.reason);
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function ended(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    out.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
