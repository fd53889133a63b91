import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BerthError } from '../errors/berth-error.ts';
import type { GcRepo } from '../meta/gc.repo.ts';

/** How long a lease lasts without renewal: a holder that crashed on another node blocks the job this long. */
export const LEASE_TTL_MS = 5 * 60_000;

type Leases = Pick<GcRepo, 'acquireLease' | 'releaseLease' | 'leaseHolder'>;

/** `host:pid:uuid`: who holds a lease, precise enough to tell a dead process on this host. */
function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The current holder when it is a process of this host that no longer runs (killed, crashed), else undefined. */
function deadLocalHolder(holder: string | undefined): string | undefined {
  const [host, pid] = (holder ?? '').split(':');
  const n = Number(pid);
  return holder && host === hostname() && Number.isInteger(n) && n !== process.pid && !isAlive(n) ? holder : undefined;
}

async function acquire(leases: Leases, name: string, holder: string, now: number): Promise<boolean> {
  if (await leases.acquireLease(name, holder, LEASE_TTL_MS, now)) return true;
  // A restart after a crash should not wait out the TTL of its own dead predecessor.
  const stale = deadLocalHolder(await leases.leaseHolder(name));
  return stale !== undefined && (await leases.acquireLease(name, holder, LEASE_TTL_MS, now, stale));
}

/**
 * Runs `work` while holding the store lease `name`, so the job never runs twice at once, in this process or on
 * another node sharing the store. `renew` extends the lease (call it between batches). Throws CONFLICT when the
 * lease is held by someone else.
 */
export async function withLease<T>(deps: { leases: Leases; now: () => number }, name: string, work: (renew: () => Promise<void>) => Promise<T>): Promise<T> {
  const holder = newHolder();
  if (!(await acquire(deps.leases, name, holder, deps.now()))) {
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
