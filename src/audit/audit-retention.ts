import type { Logger } from '../log/logger.ts';
import type { AuditRepo } from '../meta/identity-store.ts';

/** How often the retention sweep runs; events are kept at least `retentionMs`, at most this much longer. */
export const AUDIT_RETENTION_SWEEP_MS = 3_600_000;

export interface AuditRetention {
  /** Runs one sweep now (the timer's job); resolves with how many events went. Never throws: failures are logged. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress. Idempotent. */
  stop(): Promise<void>;
}

/**
 * audit.retention: deletes audit events older than `retentionMs` once at start and then every `everyMs` on an
 * unref'd timer (it never keeps the process alive). AuditRepo.deleteBefore moves the chain's anchor, so
 * `berth audit verify` still passes afterwards. Each sweep that deletes something is logged at info, a failed
 * one at error; sweeps never overlap.
 */
export function scheduleAuditRetention(deps: {
  audit: Pick<AuditRepo, 'deleteBefore'>;
  retentionMs: number;
  everyMs?: number;
  now: () => number;
  log: Logger;
}): AuditRetention {
  let running: Promise<number> | undefined;
  let isStopped = false;

  const run = async (): Promise<number> => {
    const before = deps.now() - deps.retentionMs;
    try {
      const deleted = await deps.audit.deleteBefore(before);
      if (deleted > 0) deps.log.info({ deleted, before: new Date(before).toISOString() }, 'audit retention: deleted old events');
      return deleted;
    } catch (err) {
      deps.log.error({ err }, 'audit retention sweep failed');
      return 0;
    }
  };
  const sweep = (): Promise<number> => {
    if (isStopped) return Promise.resolve(0);
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => void sweep(), deps.everyMs ?? AUDIT_RETENTION_SWEEP_MS);
  timer.unref();
  void sweep();

  return {
    sweep,
    async stop() {
      isStopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
