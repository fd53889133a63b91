/**
 * Failed-login limiting per account and per source address: a growing delay before each further attempt and
 * a temporary lock after too many failures in a window. In memory, per process, bounded.
 */

export interface ThrottleLimits {
  /** Failures within `windowMs` that lock the key. */
  maxFailures: number;
  /** Failures older than this (counted from the first one) are forgotten. */
  windowMs: number;
  /** How long a lock lasts. */
  lockMs: number;
}

export interface LoginThrottleOptions {
  account: ThrottleLimits;
  /** Higher than the account's: many people may share one address (an office NAT, a CI runner). */
  address: ThrottleLimits;
  /** Delay after the first failure; it doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Keys remembered per kind (accounts, addresses); beyond it the oldest unlocked ones are forgotten. */
  maxEntries: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export const DEFAULT_THROTTLE_OPTIONS: Readonly<LoginThrottleOptions> = Object.freeze({
  account: { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  address: { maxFailures: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxEntries: 10_000,
  now: Date.now,
});

/** Who is trying: the normalized account name, and the address bucket (ip-rules.ts `throttleBucket`). */
export interface LoginAttemptKey {
  account: string;
  address: string;
}

export type LoginVerdict =
  | { allowed: true; delayMs: number }
  | { allowed: false; retryAfterMs: number; lockedBy: 'account' | 'address' };

interface Entry {
  failures: number;
  windowStartMs: number;
  /** 0 when not locked. */
  lockedUntilMs: number;
}

class Counter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: ThrottleLimits, private readonly maxEntries: number) {}

  /** The live entry for `key`, dropping it when its lock or window has passed. */
  get(key: string, nowMs: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.isStale(entry, nowMs)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  increment(key: string, nowMs: number): void {
    const entry = this.get(key, nowMs) ?? { failures: 0, windowStartMs: nowMs, lockedUntilMs: 0 };
    entry.failures++;
    if (entry.failures >= this.limits.maxFailures) entry.lockedUntilMs = nowMs + this.limits.lockMs;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evictOne(nowMs);
    this.entries.set(key, entry);
  }

  decrement(key: string, nowMs: number): void {
    const entry = this.get(key, nowMs);
    if (!entry) return;
    entry.failures--;
    if (entry.failures < this.limits.maxFailures) entry.lockedUntilMs = 0;
    if (entry.failures <= 0) this.entries.delete(key);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private isStale(entry: Entry, nowMs: number): boolean {
    return entry.lockedUntilMs !== 0 ? nowMs >= entry.lockedUntilMs : nowMs >= entry.windowStartMs + this.limits.windowMs;
  }

  /** Forgets the oldest stale or unlocked entry, or else the oldest: forgetting a lock beats growing without bound. */
  private evictOne(nowMs: number): void {
    let victim: string | undefined;
    for (const [key, entry] of this.entries) {
      victim ??= key;
      if (entry.lockedUntilMs === 0 || this.isStale(entry, nowMs)) {
        victim = key;
        break;
      }
    }
    if (victim !== undefined) this.entries.delete(victim);
  }
}

/**
 * Usage per login: `begin(key)`; when refused answer at once (Retry-After); otherwise wait `delayMs`, verify,
 * and on success call `succeed(key)`. `begin` counts the attempt as a failure up front, so concurrent guesses
 * are counted before any of them finishes. Every method is synchronous, so calls never interleave: safe
 * for concurrent requests in one process.
 */
export class LoginThrottle {
  private readonly opts: LoginThrottleOptions;
  private readonly accounts: Counter;
  private readonly addresses: Counter;

  constructor(options: Partial<LoginThrottleOptions> = {}) {
    this.opts = { ...DEFAULT_THROTTLE_OPTIONS, ...options };
    for (const limits of [this.opts.account, this.opts.address]) {
      if (limits.maxFailures < 1 || limits.windowMs <= 0 || limits.lockMs <= 0) throw new RangeError('throttle limits must be positive');
    }
    this.accounts = new Counter(this.opts.account, this.opts.maxEntries);
    this.addresses = new Counter(this.opts.address, this.opts.maxEntries);
  }

  /**
   * Whether a login attempt may proceed, and how long to wait before verifying. An allowed attempt is counted
   * as a failure until `succeed` is called; a refused one is not counted. Never throws.
   */
  begin(key: LoginAttemptKey): LoginVerdict {
    const nowMs = this.opts.now();
    const account = this.accounts.get(key.account, nowMs);
    const address = this.addresses.get(key.address, nowMs);
    const accountWait = account && account.lockedUntilMs > nowMs ? account.lockedUntilMs - nowMs : 0;
    const addressWait = address && address.lockedUntilMs > nowMs ? address.lockedUntilMs - nowMs : 0;
    if (accountWait > 0 || addressWait > 0) {
      return accountWait >= addressWait
        ? { allowed: false, retryAfterMs: accountWait, lockedBy: 'account' }
        : { allowed: false, retryAfterMs: addressWait, lockedBy: 'address' };
    }
    const delayMs = Math.max(this.delayFor(account?.failures ?? 0), this.delayFor(address?.failures ?? 0));
    this.accounts.increment(key.account, nowMs);
    this.addresses.increment(key.address, nowMs);
    return { allowed: true, delayMs };
  }

  /**
   * The attempt begun with `key` succeeded: the account's failures are forgotten, and the address gets back
   * the one attempt `begin` counted. The address keeps its other failures, or one valid account would let an
   * address reset its count between guesses at other accounts. Never throws.
   */
  succeed(key: LoginAttemptKey): void {
    const nowMs = this.opts.now();
    this.accounts.delete(key.account);
    this.addresses.decrement(key.address, nowMs);
  }

  /** Lifts an account's lock and forgets its failures (an admin "unlock"). Never throws. */
  unlockAccount(account: string): void {
    this.accounts.delete(account);
  }

  /** Keys remembered, for metrics and tests. */
  get size(): { accounts: number; addresses: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size };
  }

  private delayFor(failures: number): number {
    if (failures <= 0) return 0;
    return Math.min(this.opts.baseDelayMs * 2 ** Math.min(failures - 1, 30), this.opts.maxDelayMs);
  }
}
