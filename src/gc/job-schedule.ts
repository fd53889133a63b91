import { isBerthError } from '../errors/berth-error.ts';
import type { Logger } from '../log/logger.ts';

export interface ScheduledJob {
  /** Stops the timer and waits for a run in progress. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `job` every `everyMs` on an unref'd timer (0: never); runs never overlap in this process, and a run
 * refused because another node holds the job's lease (CONFLICT) is logged at debug only. Never throws.
 */
export function scheduleEvery(name: string, everyMs: number, job: () => Promise<unknown>, log: Logger): ScheduledJob {
  if (everyMs <= 0) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= job()
      .then(() => undefined, (err: unknown) => {
        if (isBerthError(err, 'CONFLICT')) log.debug({ job: name }, 'scheduled job skipped: already running elsewhere');
        else log.error({ err, job: name }, 'scheduled job failed');
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
