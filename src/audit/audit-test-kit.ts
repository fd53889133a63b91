/**
 * Test helpers for src/audit unit tests only: an in-memory AuditRepo (the real one lives in the metadata store),
 * an event factory and a pino logger whose lines can be read back.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { AuditEvent, AuditEventInput, AuditFilter, AuditRepo } from '../meta/identity-store.ts';

export function auditEvent(over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    at: Date.UTC(2030, 0, 1),
    actorKind: 'user',
    actorName: 'alice',
    sourceIp: '198.51.100.7',
    action: 'registry.pull',
    project: 'acme',
    repository: 'acme/api',
    reference: 'v1',
    digest: null,
    result: 'success',
    detail: null,
    ...over,
  };
}

/**
 * AuditRepo kept in an array. `append` can be made to fail (`failNext`) or to hang until released (`hold`),
 * to play a database that is down or slow. Events are stored through a JSON round trip, as a database would.
 */
export class MemoryAuditRepo implements AuditRepo {
  readonly events: AuditEvent[] = [];
  /** Every call to append, with the actions of its batch, successful or not. */
  readonly appendCalls: string[][] = [];
  private failures = 0;
  private anchorHash = '';
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  /** The next `count` appends throw without storing anything. */
  failNext(count: number): void {
    this.failures = count;
  }

  /** Appends wait (after being called, before storing) until `release()`. */
  hold(): void {
    this.gate ??= new Promise<void>((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
    this.openGate = undefined;
  }

  async append(events: readonly AuditEventInput[], hash: (prevHash: string, event: AuditEventInput) => string): Promise<AuditEvent[]> {
    this.appendCalls.push(events.map((e) => e.action));
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('database is unavailable');
    }
    const stored: AuditEvent[] = [];
    let prev = this.events.at(-1);
    for (const input of events) {
      const copy = JSON.parse(JSON.stringify(input)) as AuditEventInput;
      const prevHash = prev ? prev.hash : this.anchorHash;
      const event: AuditEvent = { ...copy, seq: (prev?.seq ?? 0) + 1, prevHash, hash: hash(prevHash, copy) };
      this.events.push(event);
      stored.push(event);
      prev = event;
    }
    return stored.map((e) => ({ ...e }));
  }

  async query(filter: AuditFilter, page: { limit: number; afterSeq?: number; ascending?: boolean }): Promise<AuditEvent[]> {
    const ordered = page.ascending ? [...this.events] : [...this.events].reverse();
    return ordered
      .filter((e) => page.afterSeq === undefined || (page.ascending ? e.seq > page.afterSeq : e.seq < page.afterSeq))
      .filter((e) => (filter.action === undefined || e.action === filter.action) && (filter.actorName === undefined || e.actorName === filter.actorName))
      .slice(0, page.limit);
  }

  async *scan(fromSeq: number, batch: number): AsyncIterable<AuditEvent> {
    for (let i = 0; i < this.events.length; i += batch) {
      for (const event of this.events.slice(i, i + batch)) if (event.seq >= fromSeq) yield { ...event };
    }
  }

  async deleteBefore(before: number): Promise<number> {
    const keepFrom = this.events.findIndex((e) => e.at >= before);
    const removed = keepFrom === -1 ? this.events.length : keepFrom;
    if (removed === 0) return 0;
    const firstKept = this.events[removed];
    this.anchorHash = firstKept ? firstKept.prevHash : this.events[removed - 1]!.hash;
    this.events.splice(0, removed);
    return removed;
  }

  async anchor(): Promise<string> {
    return this.anchorHash;
  }
}

/** A real pino logger at debug level whose JSON lines are kept in `lines`. */
export function capturingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** Resolves once `predicate` holds, checking on each turn of the event loop; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
