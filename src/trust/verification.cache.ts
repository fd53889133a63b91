import type { TrustVerdict } from './image-verifier.ts';

/**
 * Verification results per repository and manifest digest (signatures live beside the image, so the same digest
 * may be signed in one repository and not in another), in memory. An entry lives `ttlMs` at most (a bound on
 * staleness when another node changed signatures), and the cache holds at most `maxEntries` (oldest dropped).
 * Invalidated per project when its policy changes or a signature is pushed or deleted there. Synchronous and
 * safe to share.
 */
export class VerificationCache {
  private readonly entries = new Map<string, { verdict: TrustVerdict; at: number }>();
  private generation = 0;

  constructor(private readonly opts: { ttlMs: number; maxEntries: number; now: () => number }) {}

  private static key(repo: string, digest: string): string {
    return `${repo}\u0000${digest}`;
  }

  get(repo: string, digest: string): TrustVerdict | undefined {
    const key = VerificationCache.key(repo, digest);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (this.opts.now() - hit.at >= this.opts.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.verdict;
  }

  /** Changes at every invalidation: a verdict computed across one (`epoch` before, another after) is not stored. */
  get epoch(): number {
    return this.generation;
  }

  /** Stores a verdict computed since `epoch`; ignored when an invalidation happened meanwhile. */
  set(repo: string, digest: string, verdict: TrustVerdict, epoch: number): void {
    if (epoch !== this.generation) return;
    const key = VerificationCache.key(repo, digest);
    this.entries.delete(key);
    this.entries.set(key, { verdict, at: this.opts.now() });
    if (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops every result of the repositories of `project` (its keys, policy or signatures changed). */
  invalidateProject(project: string): void {
    this.generation++;
    for (const key of this.entries.keys()) {
      if (key.startsWith(`${project}/`) || key.startsWith(`${project}\u0000`)) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
