/**
 * What administrators do to the vulnerability database over the API: import an upload (an OSV zip such as
 * all.zip, or JSON lines of records) and sync from the configured bucket. Each is audited (`vulndb.import`,
 * `vulndb.sync`) with its counts, failures too.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditRecorder } from '../../audit/audit-writer.ts';
import { BerthError } from '../../errors/berth-error.ts';
import type { Actor } from '../../identity/identity-context.ts';
import { readOsvPath, type OsvItem } from './osv-files.reader.ts';
import { syncEcosystem, type EcosystemSyncResult } from './osv-sync.ts';
import type { ImportResult, VulnDbService, VulnDbStatus } from './vulndb.service.ts';

export const ZIP_UPLOAD = 'application/zip';
export const NDJSON_UPLOAD = 'application/x-ndjson';

export interface VulnDbAdminDeps {
  vulndb: VulnDbService;
  audit: AuditRecorder;
  now: () => number;
  /** vulndb.baseUrl. */
  baseUrl: string;
  /** vulndb.ecosystems: synced when a request names none. */
  ecosystems: readonly string[];
  /** vulndb.importMaxBytes: the largest upload. */
  importMaxBytes: number;
  fetch?: typeof fetch;
}

/** Counts bytes through; fails the stream past `max`. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new BerthError('BODY_TOO_LARGE', { message: `the upload is over ${max} bytes (vulndb.importMaxBytes)` }));
      else done(null, chunk);
    },
  });
}

async function* jsonLines(body: Readable, max: number): AsyncGenerator<OsvItem> {
  const lines = createInterface({ input: body.pipe(byteLimit(max)), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield { name: `line ${n}`, json: JSON.parse(line) };
    } catch (err) {
      yield { name: `line ${n}`, error: `not JSON: ${(err as Error).message}` };
    }
  }
}

export class VulnDbAdminService {
  constructor(private readonly deps: VulnDbAdminDeps) {}

  status(): Promise<VulnDbStatus> {
    return this.deps.vulndb.status();
  }

  /** Imports an upload of `contentType` (ZIP_UPLOAD or NDJSON_UPLOAD). Throws BAD_REQUEST for other types. */
  async importUpload(actor: Actor, contentType: string, body: Readable): Promise<ImportResult> {
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    return this.audited(actor, 'vulndb.import', { contentType: type }, async () => {
      if (type === NDJSON_UPLOAD) return this.deps.vulndb.import(jsonLines(body, this.deps.importMaxBytes));
      if (type !== ZIP_UPLOAD) throw new BerthError('BAD_REQUEST', { message: `upload ${ZIP_UPLOAD} (an OSV archive such as all.zip) or ${NDJSON_UPLOAD} (one OSV record per line)` });
      const dir = await mkdtemp(join(tmpdir(), 'berth-vulndb-upload-'));
      try {
        const file = join(dir, 'upload.zip');
        await pipeline(body, byteLimit(this.deps.importMaxBytes), createWriteStream(file));
        return await this.deps.vulndb.import(readOsvPath(file));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  /** Syncs the named ecosystems (OSV directory names), else the configured ones, else those already stored. */
  async sync(actor: Actor, ecosystems: readonly string[] | undefined): Promise<EcosystemSyncResult[]> {
    const names = ecosystems?.length ? ecosystems : this.deps.ecosystems.length ? this.deps.ecosystems : (await this.deps.vulndb.status()).sources.map((s) => s.name).filter((n) => n !== 'unknown');
    if (names.length === 0) throw new BerthError('BAD_REQUEST', { message: 'name the ecosystems to sync (e.g. Debian, Alpine, npm, PyPI) or configure vulndb.ecosystems' });
    return this.audited(actor, 'vulndb.sync', { ecosystems: names, baseUrl: this.deps.baseUrl }, async () => {
      const results: EcosystemSyncResult[] = [];
      for (const name of names) results.push(await syncEcosystem({ vulndb: this.deps.vulndb, baseUrl: this.deps.baseUrl, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) }, name));
      return results;
    });
  }

  private async audited<T extends ImportResult | ImportResult[]>(actor: Actor, action: string, detail: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
    const record = (result: 'success' | 'failure', more: Record<string, unknown>) => this.deps.audit.record({
      at: this.deps.now(), actorKind: actor.kind, actorName: actor.name, sourceIp: actor.sourceIp, action,
      project: null, repository: null, reference: null, digest: null, result, detail: { ...detail, ...more },
    });
    try {
      const out = await work();
      const all: ImportResult[] = Array.isArray(out) ? out : [out];
      const sum = (k: 'read' | 'added' | 'updated' | 'unchanged' | 'invalid') => all.reduce((n, r) => n + r[k], 0);
      record('success', { read: sum('read'), added: sum('added'), updated: sum('updated'), unchanged: sum('unchanged'), invalid: sum('invalid'), revision: all.at(-1)?.revision ?? null });
      return out;
    } catch (err) {
      record('failure', { error: (err as Error).message });
      throw err;
    }
  }
}
