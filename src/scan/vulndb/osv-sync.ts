/**
 * Sync from an OSV bucket layout (`<base>/<ECOSYSTEM>/all.zip`, `modified_id.csv`, `<id>.json`). The first
 * sync of an ecosystem downloads all.zip to a temporary file and imports it; later ones read modified_id.csv
 * (`<RFC3339>,<id>` lines, newest first) only down to the source's watermark and fetch just those records.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../../errors/berth-error.ts';
import { readOsvPath, type OsvItem } from './osv-files.reader.ts';
import type { ImportResult, VulnDbService } from './vulndb.service.ts';

export const DEFAULT_OSV_BASE_URL = 'https://osv-vulnerabilities.storage.googleapis.com';

export interface EcosystemSyncResult extends ImportResult {
  ecosystem: string;
  mode: 'full' | 'incremental';
  /** Records downloaded one by one (incremental) */
  fetched: number;
}

export interface SyncDeps {
  vulndb: VulnDbService;
  baseUrl: string;
  fetch?: typeof fetch;
  /** Parallel record downloads in an incremental sync. Default 4. */
  concurrency?: number;
}

function ecosystemUrl(base: string, ecosystem: string, file: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(ecosystem)}/${file}`;
}

async function get(deps: SyncDeps, url: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await (deps.fetch ?? fetch)(url, signal ? { signal } : {});
  } catch (err) {
    throw new BerthError('UNAVAILABLE', { message: `cannot reach ${url}: ${(err as Error).message}`, cause: err });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new BerthError('UNAVAILABLE', { message: `${url} answered ${res.status}`, detail: { url, status: res.status } });
  }
  return res;
}

/** Syncs one ecosystem (its OSV directory name, e.g. `Debian`, `PyPI`, `Rocky Linux`). */
export async function syncEcosystem(deps: SyncDeps, ecosystem: string, signal?: AbortSignal): Promise<EcosystemSyncResult> {
  const known = await deps.vulndb.source(ecosystem);
  const opts = { source: ecosystem, isSync: true, ...(signal ? { signal } : {}) };
  if (known?.lastSyncAt == null || known.modifiedWatermark === null) {
    const dir = await mkdtemp(join(tmpdir(), 'berth-osv-'));
    try {
      const file = join(dir, 'all.zip');
      const res = await get(deps, ecosystemUrl(deps.baseUrl, ecosystem, 'all.zip'), signal);
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file), ...(signal ? [{ signal }] : []));
      return { ecosystem, mode: 'full', fetched: 0, ...(await deps.vulndb.import(readOsvPath(file, signal ? { signal } : {}), opts)) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const ids = await changedSince(deps, ecosystem, known.modifiedWatermark, signal);
  const result = await deps.vulndb.import(fetchRecords(deps, ecosystem, ids, signal), opts);
  return { ecosystem, mode: 'incremental', fetched: ids.length, ...result };
}

/** Ids in modified_id.csv modified after `watermark`; stops reading at the first older line. */
async function changedSince(deps: SyncDeps, ecosystem: string, watermark: string, signal?: AbortSignal): Promise<string[]> {
  const since = Date.parse(watermark);
  const res = await get(deps, ecosystemUrl(deps.baseUrl, ecosystem, 'modified_id.csv'), signal);
  const body = Readable.fromWeb(res.body as never);
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  const ids: string[] = [];
  try {
    for await (const line of lines) {
      const comma = line.indexOf(',');
      if (comma <= 0) continue;
      const at = Date.parse(line.slice(0, comma));
      if (Number.isNaN(at)) continue;
      if (at <= since) break;
      // The id may carry the ecosystem's folder (`Debian/DSA-1`) in the root listing.
      ids.push(line.slice(comma + 1).trim().split('/').pop()!);
    }
  } finally {
    lines.close();
    body.destroy();
  }
  return [...new Set(ids)];
}

async function* fetchRecords(deps: SyncDeps, ecosystem: string, ids: readonly string[], signal?: AbortSignal): AsyncGenerator<OsvItem> {
  const width = Math.max(1, deps.concurrency ?? 4);
  for (let i = 0; i < ids.length; i += width) {
    const part = ids.slice(i, i + width);
    const items = await Promise.all(part.map(async (id): Promise<OsvItem> => {
      const url = ecosystemUrl(deps.baseUrl, ecosystem, `${encodeURIComponent(id)}.json`);
      try {
        const res = await get(deps, url, signal);
        return { name: url, json: JSON.parse(await res.text()) };
      } catch (err) {
        if (signal?.aborted) throw err;
        return { name: url, error: (err as Error).message };
      }
    }));
    yield* items;
  }
}
