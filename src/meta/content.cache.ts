/**
 * Immutable bytes by key (manifest content by digest), least recently used dropped first, bounded by the total
 * size of the values. Only for content addressed by its digest: a key can never map to other bytes, so an entry
 * is never stale. Values are shared: callers must not modify them.
 */
export class ContentCache {
  private readonly entries = new Map<string, Buffer>();
  private totalBytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** Values larger than this are not kept (one huge index must not evict everything else). */
    private readonly maxEntryBytes: number = Math.max(1, maxBytes >> 4),
  ) {}

  get(key: string): Buffer | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.maxEntryBytes || this.entries.has(key)) return;
    this.entries.set(key, value);
    this.totalBytes += value.length;
    for (const [oldest, old] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= old.length;
    }
  }

  get sizeBytes(): number {
    return this.totalBytes;
  }
}
