/**
 * The vulnerability database: imports OSV records into the metadata store in batches, keeps per-source
 * freshness, and moves the data revision (telling subscribers) whenever an import changed something.
 */
import { randomBytes } from 'node:crypto';
import type { SourceFreshness, UpsertCounts, VulnDbRepo } from '../../meta/vulndb.repo.ts';
import { parseOsvRecord } from '../osv/osv-record.schema.ts';
import { toAdvisoryInput } from './advisory-index.ts';
import type { OsvItem } from './osv-files.reader.ts';

export interface ImportOptions {
  /** Files every record under this source (a sync names its ecosystem); else each record's own ecosystem. */
  source?: string;
  /** Stamps the sources' sync time instead of their import time. */
  isSync?: boolean;
  signal?: AbortSignal;
}

export interface ImportProblem {
  name: string;
  error: string;
}

export interface ImportResult extends UpsertCounts {
  /** Documents read, valid or not. */
  read: number;
  invalid: number;
  /** The first problems found (at most MAX_PROBLEMS); `invalid` counts them all. */
  problems: ImportProblem[];
  revision: string | undefined;
  /** The sources this import touched, after it. */
  sources: SourceFreshness[];
}

export interface VulnDbStatus {
  revision: string | undefined;
  sources: SourceFreshness[];
  totals: { records: number; withdrawn: number };
}

const BATCH = 500;
const MAX_PROBLEMS = 20;

export class VulnDbService {
  private readonly listeners = new Set<(revision: string) => void>();

  constructor(private readonly deps: { repo: VulnDbRepo; now: () => number; onListenerError?: (err: unknown) => void }) {}

  /**
   * Validates and stores every record of `items`, in batches of BATCH (each one transaction). Invalid documents
   * are counted and reported, never fatal. Moves the revision and notifies subscribers when anything changed.
   */
  async import(items: AsyncIterable<OsvItem> | Iterable<OsvItem>, opts: ImportOptions = {}): Promise<ImportResult> {
    const at = this.deps.now();
    const result: ImportResult = { read: 0, invalid: 0, added: 0, updated: 0, unchanged: 0, problems: [], revision: undefined, sources: [] };
    const touched = new Set<string>(opts.source !== undefined ? [opts.source] : []);
    let batch: ReturnType<typeof toAdvisoryInput>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const counts = await this.deps.repo.upsert(batch, at);
      result.added += counts.added;
      result.updated += counts.updated;
      result.unchanged += counts.unchanged;
      batch = [];
    };
    for await (const item of items) {
      opts.signal?.throwIfAborted();
      result.read++;
      const problem = 'error' in item ? item.error : undefined;
      const parsed = problem === undefined && 'json' in item ? parseOsvRecord(item.json) : undefined;
      if (!parsed?.ok) {
        result.invalid++;
        if (result.problems.length < MAX_PROBLEMS) result.problems.push({ name: item.name, error: problem ?? (parsed && !parsed.ok ? parsed.error : 'invalid') });
        continue;
      }
      const input = toAdvisoryInput(parsed.value, opts.source);
      touched.add(input.source);
      batch.push(input);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    const stamp = opts.isSync ? { syncedAt: at } : { importedAt: at };
    for (const name of [...touched].sort()) result.sources.push(await this.deps.repo.refreshSource(name, stamp));
    result.revision = result.added + result.updated > 0 ? await this.bumpRevision() : await this.deps.repo.revision();
    return result;
  }

  async status(): Promise<VulnDbStatus> {
    const sources = await this.deps.repo.sources();
    return {
      revision: await this.deps.repo.revision(),
      sources,
      totals: { records: sources.reduce((n, s) => n + s.recordCount, 0), withdrawn: sources.reduce((n, s) => n + s.withdrawnCount, 0) },
    };
  }

  /** Freshness of one source, or undefined before it was first imported. */
  async source(name: string): Promise<SourceFreshness | undefined> {
    return (await this.deps.repo.sources()).find((s) => s.name === name);
  }

  /** The current revision; `empty` before any data was stored. */
  async revision(): Promise<string> {
    return (await this.deps.repo.revision()) ?? 'empty';
  }

  /** Calls `listener` after an import changed the data. Returns the unsubscribe function. */
  onChange(listener: (revision: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async bumpRevision(): Promise<string> {
    const revision = `${this.deps.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    await this.deps.repo.setRevision(revision);
    for (const listener of this.listeners) {
      try {
        listener(revision);
      } catch (err) {
        this.deps.onListenerError?.(err);
      }
    }
    return revision;
  }
}
