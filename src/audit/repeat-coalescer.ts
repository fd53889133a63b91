import type { AuditEventInput } from '../meta/identity-store.ts';
import type { AuditRecorder } from './audit-writer.ts';

/** Only successful pulls repeat at request rate (CI fleets pull the same image thousands of times a minute). */
function isCoalescible(event: AuditEventInput): boolean {
  return event.action === 'registry.pull' && event.result === 'success';
}

interface OpenWindow {
  first: AuditEventInput;
  repeats: number;
  lastAt: number;
}

export interface RepeatCoalescerOptions {
  /** How long identical pulls are counted before their total is written. */
  windowMs: number;
  /** Distinct (actor, address, repository, digest) windows kept open at most; the oldest closes first. */
  maxOpenWindows: number;
}

export const DEFAULT_REPEAT_COALESCING: RepeatCoalescerOptions = { windowMs: 60_000, maxOpenWindows: 10_000 };

/**
 * Sits in front of the audit writer. The first pull of an image by one principal from one address is recorded at
 * once, as every other event is; identical pulls within the next `windowMs` are counted, and when the window
 * closes one more `registry.pull` event records them: `detail.repeats` (how many), `detail.firstAt` and the
 * event's own `at` (the last of them). Every pull is accounted for, while the log (and its cost per request)
 * grows with distinct pulls rather than with request rate. Alert rules weigh an event by `1 + repeats`.
 */
export class RepeatCoalescer implements AuditRecorder {
  private readonly open = new Map<string, OpenWindow>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sink: AuditRecorder,
    private readonly opts: RepeatCoalescerOptions = DEFAULT_REPEAT_COALESCING,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.closeExpired(), Math.max(opts.windowMs / 4, 50));
    this.timer.unref();
  }

  record(event: AuditEventInput): void {
    if (!isCoalescible(event)) {
      this.sink.record(event);
      return;
    }
    const key = [event.actorKind, event.actorName, event.sourceIp, event.repository, event.digest].join('\u0000');
    const window = this.open.get(key);
    if (window) {
      window.repeats++;
      window.lastAt = Math.max(window.lastAt, event.at);
      return;
    }
    if (this.open.size >= this.opts.maxOpenWindows) this.close(this.open.keys().next().value!);
    this.open.set(key, { first: event, repeats: 0, lastAt: event.at });
    this.sink.record(event);
  }

  /** Writes the totals of every open window (on shutdown, before the writer flushes). */
  closeAll(): void {
    clearInterval(this.timer);
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private closeExpired(): void {
    const cutoff = this.now() - this.opts.windowMs;
    // Maps iterate in insertion order, so windows open oldest first.
    for (const [key, window] of this.open) {
      if (window.first.at > cutoff) break;
      this.close(key);
    }
  }

  private close(key: string): void {
    const window = this.open.get(key);
    if (!window) return;
    this.open.delete(key);
    if (window.repeats === 0) return;
    this.sink.record({ ...window.first, at: window.lastAt, detail: { ...(window.first.detail ?? {}), repeats: window.repeats, firstAt: window.first.at } });
  }
}
