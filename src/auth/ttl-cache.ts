/**
 * A small bounded cache of loaded values with a time-to-live, for facts the hot path reads on every request
 * (projects, grants, IP rules, principals). Concurrent misses for one key share one load. `clear()` and
 * `delete()` take effect at once: they drop entries still loading too, so the next call loads afresh.
 * Synchronous bookkeeping only, so it is safe for concurrent requests in one process.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; untilMs: number }>();

  constructor(private readonly opts: { ttlMs: number; maxEntries: number; now: () => number }) {}

  /** The cached value for `key`, or the result of `load` (stored for ttlMs unless it rejects). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const nowMs = this.opts.now();
    const hit = this.entries.get(key);
    if (hit && nowMs < hit.untilMs) return hit.value;
    if (hit) this.entries.delete(key);
    const value = load();
    if (this.opts.ttlMs > 0) {
      if (this.entries.size >= this.opts.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      const entry = { value, untilMs: nowMs + this.opts.ttlMs };
      this.entries.set(key, entry);
      value.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
