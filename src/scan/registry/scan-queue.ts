import type { Logger } from '../../log/logger.ts';
import type { ScanJobRow, ScanRepo } from '../../meta/scan.repo.ts';

/** Lower runs first: a user's ad-hoc scan, then scans on push, then scan-everything and re-matching. */
export const SCAN_PRIORITY = { adhoc: 0, push: 1, background: 2 } as const;
export type ScanPriorityName = keyof typeof SCAN_PRIORITY;

export type ScanJob = ScanJobRow;

export interface QueueStats {
  queued: number;
  running: number;
}

const keyOf = (job: Pick<ScanJob, 'kind' | 'digest'>): string => `${job.kind}:${job.digest}`;

/**
 * A persistent priority queue with a bounded number of jobs running at once. Jobs are kept in the metadata store
 * until they finish, so queued (and interrupted) work resumes after a restart. One job per (kind, digest): asking
 * again while queued only raises its priority; while running, the caller waits for the running one. A failed
 * job is logged and dropped (the next push, request or data change queues it again).
 */
export class ScanQueue {
  private readonly queued = new Map<string, ScanJob & { seq: number }>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiters = new Map<string, Array<{ resolve(): void; reject(err: Error): void }>>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly rerun = new Map<string, ScanJob>();
  private seq = 0;
  private isStopped = false;

  constructor(private readonly deps: {
    store: Pick<ScanRepo, 'enqueue' | 'dequeue' | 'queuedJobs'>;
    concurrency: number;
    run(job: ScanJob): Promise<void>;
    log: Logger;
  }) {}

  /** Loads the jobs a previous run left queued and starts working. */
  async start(): Promise<void> {
    for (const job of await this.deps.store.queuedJobs()) this.queued.set(keyOf(job), { ...job, seq: ++this.seq });
    this.pump();
  }

  /**
   * Queues `job` (persisted before this resolves) and returns a promise of its completion, which rejects with
   * the job's error. Idempotent per (kind, digest).
   */
  async add(job: ScanJob): Promise<{ done: Promise<void> }> {
    const key = keyOf(job);
    const done = new Promise<void>((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(key, list);
    });
    // Callers that only queue never look at `done`; its failure is logged by the queue itself.
    done.catch(() => {});
    if (this.running.has(key)) {
      // The running one may have started from older data (a re-match before an import): run once more after it.
      this.rerun.set(key, job);
      return { done };
    }
    const existing = this.queued.get(key);
    if (existing && existing.priority <= job.priority) return { done };
    await this.deps.store.enqueue(job);
    this.queued.set(key, { ...job, priority: Math.min(job.priority, existing?.priority ?? job.priority), seq: existing?.seq ?? ++this.seq });
    this.pump();
    return { done };
  }

  stats(): QueueStats {
    return { queued: this.queued.size, running: this.running.size };
  }

  /** Whether a scan of `digest` is queued or running. */
  isPending(kind: ScanJob['kind'], digest: string): boolean {
    const key = `${kind}:${digest}`;
    return this.queued.has(key) || this.running.has(key);
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.queued.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops starting jobs and waits for the running ones; queued jobs stay in the store for the next start. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await Promise.allSettled([...this.running.values()]);
  }

  private next(): (ScanJob & { seq: number }) | undefined {
    let best: (ScanJob & { seq: number }) | undefined;
    for (const job of this.queued.values()) {
      if (!best || job.priority < best.priority || (job.priority === best.priority && job.seq < best.seq)) best = job;
    }
    return best;
  }

  private pump(): void {
    while (!this.isStopped && this.running.size < this.deps.concurrency) {
      const job = this.next();
      if (!job) break;
      const key = keyOf(job);
      this.queued.delete(key);
      const { seq: _seq, ...plain } = job;
      const run = this.execute(key, plain);
      this.running.set(key, run);
    }
    if (this.queued.size === 0 && this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async execute(key: string, job: ScanJob): Promise<void> {
    let failure: Error | undefined;
    try {
      await this.deps.run(job);
    } catch (err) {
      failure = err as Error;
      this.deps.log.error({ err, job }, `scan: ${job.kind} of ${job.repository}@${job.digest} failed`);
    }
    if (this.isStopped && failure) {
      // Interrupted by shutdown: left in the store, it runs again after the restart.
      this.running.delete(key);
      return;
    }
    try {
      await this.deps.store.dequeue(job.kind, job.digest);
    } catch (err) {
      this.deps.log.error({ err, job }, 'scan: removing a finished job from the store failed');
    }
    this.running.delete(key);
    for (const w of this.waiters.get(key)?.splice(0) ?? []) (failure ? w.reject(failure) : w.resolve());
    this.waiters.delete(key);
    const again = this.rerun.get(key);
    this.rerun.delete(key);
    if (again && !this.isStopped) await this.add(again).catch((err: unknown) => this.deps.log.error({ err, job }, 'scan: queueing a job again failed'));
    this.pump();
  }
}
