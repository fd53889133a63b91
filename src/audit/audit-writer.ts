import { BerthError } from '../errors/berth-error.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditEvent, AuditEventInput, AuditRepo } from '../meta/identity-store.ts';
import { chainHash, normalizeAuditEvent } from './audit-hash.ts';

/**
 * Group-committing audit writer. Services call `record(event)` on their hot path; events are buffered and
 * appended in batches through AuditRepo.append, one append at a time, in recording order:
 * - a batch goes out as soon as `batchSize` events are pending, or `flushDelayMs` after the first pending one;
 *   events recorded while an append is in flight form the next batch, which goes out as soon as it returns;
 * - a failed append is retried with the same batch (exponential backoff, logged at error) until it succeeds, so
 *   events are neither lost nor reordered. An append that commits but still reports failure (a lost reply) is
 *   retried too, and may then store its batch twice: the writer cannot tell it apart from a failed one;
 * - memory is bounded: at `maxBufferedEvents` unwritten events (the database is down), each new event pushes
 *   out the oldest one not yet handed to the database. Drops are counted (`stats().dropped`), logged once per
 *   episode, and recorded in the chain itself as one `audit.dropped` event (actor system/berth, result failure,
 *   detail { dropped, firstAt, lastAt }) written where the dropped events would have been;
 * - each event is snapshotted and validated when recorded (normalizeAuditEvent): an invalid one is refused and
 *   logged, never queued, so it cannot block the events behind it;
 * - after each commit, the stored events (with seq and hash) go to every `onEvent` listener, in order.
 */

export interface AuditWriterOptions {
  /** Pending events that trigger an append at once; also the most events per append. Default 100. */
  batchSize: number;
  /** Longest wait before pending events are appended. Default 50. */
  flushDelayMs: number;
  /** Unwritten events kept in memory, pending plus in flight; must exceed batchSize. Default 10_000. */
  maxBufferedEvents: number;
  /** Wait before the first retry of a failed append; doubles on each further failure. Default 100. */
  retryDelayMs: number;
  /** Longest wait between retries. Default 5_000. */
  maxRetryDelayMs: number;
}

export const DEFAULT_AUDIT_WRITER_OPTIONS: Readonly<AuditWriterOptions> = Object.freeze({
  batchSize: 100,
  flushDelayMs: 50,
  maxBufferedEvents: 10_000,
  retryDelayMs: 100,
  maxRetryDelayMs: 5_000,
});

/** Called once per stored event after its batch committed. Errors and rejections are logged and ignored. */
export type AuditListener = (event: AuditEvent) => void | Promise<void>;

/** What services depend on: recording never blocks, throws or fails the caller's request. */
export interface AuditRecorder {
  record(event: AuditEventInput): void;
}

export interface AuditWriterStats {
  /** Recorded, waiting for an append. */
  pending: number;
  /** In the append now running (or being retried). */
  inFlight: number;
  /** Stored, including `audit.dropped` markers. */
  persisted: number;
  /** Pushed out of a full buffer. */
  dropped: number;
  /** Invalid, or recorded after close. */
  refused: number;
  /** Unwritten when close gave up. */
  lost: number;
  /** Append attempts that failed. */
  failedAppends: number;
}

interface Queued {
  /** Recording order; -1 for an `audit.dropped` marker. */
  index: number;
  event: AuditEventInput;
}

interface DropEpisode {
  count: number;
  firstAt: number;
  lastAt: number;
}

export class AuditWriter implements AuditRecorder {
  private readonly opts: AuditWriterOptions;
  private readonly pending: Queued[] = [];
  private pendingHead = 0;
  private batch: Queued[] | undefined;
  private nextIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private waiters: Array<{ index: number; resolve: () => void; reject: (err: Error) => void }> = [];
  private listeners: AuditListener[] = [];
  private unreportedDrops: DropEpisode | undefined;
  private isDropEpisodeLogged = false;
  private isClosed = false;
  private isAbandoned = false;
  private closing: Promise<void> | undefined;
  private wakeRetry: (() => void) | undefined;
  private readonly counts = { persisted: 0, dropped: 0, refused: 0, lost: 0, failedAppends: 0 };

  constructor(private readonly deps: { repo: Pick<AuditRepo, 'append'>; log: Logger }, options: Partial<AuditWriterOptions> = {}) {
    this.opts = { ...DEFAULT_AUDIT_WRITER_OPTIONS, ...options };
    const { batchSize, flushDelayMs, maxBufferedEvents, retryDelayMs, maxRetryDelayMs } = this.opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    if (!Number.isInteger(maxBufferedEvents) || maxBufferedEvents <= batchSize) throw new RangeError('maxBufferedEvents must be an integer above batchSize');
    if (!(flushDelayMs >= 0 && retryDelayMs >= 0 && maxRetryDelayMs >= retryDelayMs)) throw new RangeError('delays must be non-negative, maxRetryDelayMs >= retryDelayMs');
  }

  /** Queues one event. Never throws or blocks; an invalid event, or one recorded after close, is refused and logged. */
  record(event: AuditEventInput): void {
    if (this.isClosed) {
      this.refuse(event, new Error('the audit writer is closed'));
      return;
    }
    let normalized: AuditEventInput;
    try {
      normalized = normalizeAuditEvent(event);
    } catch (err) {
      this.refuse(event, err);
      return;
    }
    if (this.buffered() >= this.opts.maxBufferedEvents) this.dropOldestPending();
    this.pending.push({ index: this.nextIndex++, event: normalized });
    if (this.draining) return;
    if (this.pendingCount() >= this.opts.batchSize) this.startDrain();
    else this.timer ??= setTimeout(() => this.startDrain(), this.opts.flushDelayMs);
  }

  /** Subscribes to stored events; returns the unsubscribe function. */
  onEvent(listener: AuditListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Resolves once every event recorded before the call is stored (or dropped from a full buffer); appends at
   * once rather than after the delay. Waits through database outages. Rejects with BerthError('UNAVAILABLE')
   * only if `close` gives up on the events first.
   */
  flush(): Promise<void> {
    const index = this.nextIndex;
    if (this.settledBelow() >= index) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ index, resolve, reject }));
    this.startDrain();
    return done;
  }

  /**
   * Refuses further events, stores the buffered ones, then detaches the listeners. With `timeoutMs`, gives up
   * after that long (database down): the unwritten events are counted as `lost` and logged at error. Without
   * it, waits as long as the database is down. Idempotent; never rejects.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.isClosed = true;
    this.closing ??= this.shutDown(options.timeoutMs);
    return this.closing;
  }

  stats(): AuditWriterStats {
    return { pending: this.pendingCount(), inFlight: this.batch?.length ?? 0, ...this.counts };
  }

  private async shutDown(timeoutMs: number | undefined): Promise<void> {
    const flushed = this.flush().then(
      () => 'flushed' as const,
      () => 'abandoned' as const,
    );
    let timer: NodeJS.Timeout | undefined;
    const outcome = timeoutMs === undefined
      ? await flushed
      : await Promise.race([flushed, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.abandon();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners = [];
  }

  private abandon(): void {
    this.isAbandoned = true;
    const lost = this.buffered();
    this.counts.lost += lost;
    this.deps.log.error({ lost, dropped: this.counts.dropped }, 'audit: closing with events the database did not take; they are lost');
    this.pending.length = 0;
    this.pendingHead = 0;
    this.batch = undefined;
    this.unreportedDrops = undefined;
    this.wakeRetry?.();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new BerthError('UNAVAILABLE', { message: 'audit events could not be stored before close', detail: { lost } }));
  }

  private startDrain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.draining || this.isAbandoned) return;
    this.draining = this.drain().catch((err: unknown) => this.deps.log.error({ err }, 'audit: writer failed')).finally(() => {
      this.draining = undefined;
      // An event recorded between the loop's last check and now saw a drain running and scheduled nothing.
      if (!this.isAbandoned && this.pendingCount() > 0) this.startDrain();
    });
  }

  private async drain(): Promise<void> {
    while (!this.isAbandoned && (this.pendingCount() > 0 || this.unreportedDrops)) {
      const batch = this.takeBatch();
      this.batch = batch;
      const stored = await this.appendWithRetry(batch);
      if (!stored || this.isAbandoned) return;
      this.batch = undefined;
      this.counts.persisted += stored.length;
      const marker = batch[0]?.index === -1 ? batch[0].event : undefined;
      if (marker) {
        this.deps.log.warn({ ...marker.detail }, 'audit: dropped events are recorded in the chain as audit.dropped');
        this.isDropEpisodeLogged = false;
      }
      this.emit(stored);
      this.settle();
    }
  }

  private async appendWithRetry(batch: Queued[]): Promise<AuditEvent[] | undefined> {
    const events = batch.map((q) => q.event);
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.deps.repo.append(events, chainHash);
        if (attempt > 1) this.deps.log.info({ attempts: attempt, events: events.length }, 'audit: appending events succeeded again');
        return stored;
      } catch (err) {
        this.counts.failedAppends++;
        if (this.isAbandoned) return undefined;
        const retryInMs = Math.min(this.opts.retryDelayMs * 2 ** Math.min(attempt - 1, 30), this.opts.maxRetryDelayMs);
        this.deps.log.error({ err, attempt, events: events.length, pending: this.pendingCount(), retryInMs }, 'audit: appending events failed; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryInMs);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = undefined;
        if (this.isAbandoned) return undefined;
      }
    }
  }

  private takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const drops = this.unreportedDrops;
    if (drops) {
      this.unreportedDrops = undefined;
      batch.push({
        index: -1,
        event: {
          at: drops.firstAt,
          actorKind: 'system',
          actorName: 'berth',
          sourceIp: null,
          action: 'audit.dropped',
          project: null,
          repository: null,
          reference: null,
          digest: null,
          result: 'failure',
          detail: { dropped: drops.count, firstAt: drops.firstAt, lastAt: drops.lastAt, reason: 'buffer full while the database was unavailable' },
        },
      });
    }
    while (batch.length < this.opts.batchSize && this.pendingCount() > 0) batch.push(this.shiftPending()!);
    return batch;
  }

  private dropOldestPending(): void {
    const victim = this.shiftPending();
    if (!victim) return;
    this.counts.dropped++;
    const drops = (this.unreportedDrops ??= { count: 0, firstAt: victim.event.at, lastAt: victim.event.at });
    drops.count++;
    drops.lastAt = victim.event.at;
    if (!this.isDropEpisodeLogged) {
      this.isDropEpisodeLogged = true;
      this.deps.log.error(
        { maxBufferedEvents: this.opts.maxBufferedEvents, failedAppends: this.counts.failedAppends },
        'audit: buffer full (database unavailable?); dropping the oldest unwritten events',
      );
    }
    this.settle();
  }

  private emit(stored: AuditEvent[]): void {
    const listeners = this.listeners;
    for (const event of stored) {
      for (const listener of listeners) {
        try {
          const result = listener(event);
          if (result && typeof result.then === 'function') result.then(undefined, (err: unknown) => this.listenerFailed(err, event));
        } catch (err) {
          this.listenerFailed(err, event);
        }
      }
    }
  }

  private listenerFailed(err: unknown, event: AuditEvent): void {
    this.deps.log.error({ err, seq: event.seq, action: event.action }, 'audit: an event listener failed');
  }

  private refuse(event: AuditEventInput, err: unknown): void {
    this.counts.refused++;
    const action = typeof event?.action === 'string' ? event.action : undefined;
    this.deps.log.error({ err, action }, 'audit: event refused');
  }

  /** Resolves the flush waiters whose events are all stored or dropped. */
  private settle(): void {
    if (this.waiters.length === 0) return;
    const below = this.settledBelow();
    const ready = this.waiters.filter((w) => w.index <= below);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.index > below);
    for (const w of ready) w.resolve();
  }

  /** Every event recorded with an index below the result is stored or dropped. */
  private settledBelow(): number {
    const inFlight = this.batch?.find((q) => q.index >= 0);
    return inFlight?.index ?? this.pending[this.pendingHead]?.index ?? this.nextIndex;
  }

  private buffered(): number {
    return this.pendingCount() + (this.batch?.filter((q) => q.index >= 0).length ?? 0);
  }

  private pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  private shiftPending(): Queued | undefined {
    const item = this.pending[this.pendingHead];
    if (!item) return undefined;
    this.pending[this.pendingHead++] = undefined as unknown as Queued;
    // Compact now and then so shifting stays O(1) amortized without holding on to consumed slots.
    if (this.pendingHead >= 1024 && this.pendingHead * 2 >= this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    return item;
  }
}
