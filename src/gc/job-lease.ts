import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BerthError } from '../errors/berth-error.ts';
import type { GcRepo } from '../meta/gc.repo.ts';

/** How long a lease lasts without renewal: a crashed holder blocks the job at most this long. */
export const LEASE_TTL_MS = 5 * 60_000;

/**
 * Runs `work` while holding the store lease `name`, so the job never runs twice at once, in this process or on
 * another node sharing the store. `renew` extends the lease (call it between batches). Throws CONFLICT when the
 * lease is held by someone else.
 */
export async function withLease<T>(
  deps: { leases: Pick<GcRepo, 'acquireLease' | 'releaseLease'>; now: () => number },
  name: string,
  work: (renew: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  if (!(await deps.leases.acquireLease(name, holder, LEASE_TTL_MS, deps.now()))) {
    throw new BerthError('CONFLICT', { message: `${name} is already running (on this or another node): try again when it has finished`, detail: { job: name } });
  }
  const renew = async () => {
    if (!(await deps.leases.acquireLease(name, holder, LEASE_TTL_MS, deps.now()))) {
      throw new BerthError('CONFLICT', { message: `${name} lost its lease (it ran longer than ${LEASE_TTL_MS} ms between renewals)`, detail: { job: name } });
    }
  };
  try {
    return await work(renew);
  } finally {
    await deps.leases.releaseLease(name, holder);
  }
}
