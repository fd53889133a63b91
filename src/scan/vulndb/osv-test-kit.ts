/** OSV records and a throwaway SQLite-backed vulnerability database, for tests. */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteDialect } from '../../meta/dialects/sqlite.dialect.ts';
import { openMetaStore, type MetaStore } from '../../meta/meta-store.ts';
import { DbVulnerabilityMatcher } from '../match/db-vulnerability-matcher.ts';
import { VulnDbService } from './vulndb.service.ts';

export interface RecordSpec {
  id: string;
  ecosystem: string;
  name: string;
  introduced?: string;
  fixed?: string;
  versions?: string[];
  modified?: string;
  aliases?: string[];
  upstream?: string[];
  withdrawn?: string;
  summary?: string;
  cvss?: string;
  databaseSeverity?: string;
}

/** One OSV record with an ECOSYSTEM range `introduced` (default 0) .. `fixed`, or a `versions` list. */
export function osvRecord(spec: RecordSpec): Record<string, unknown> {
  const events: Array<Record<string, string>> = [{ introduced: spec.introduced ?? '0' }];
  if (spec.fixed) events.push({ fixed: spec.fixed });
  return {
    schema_version: '1.6.0',
    id: spec.id,
    modified: spec.modified ?? '2025-01-01T00:00:00Z',
    published: '2024-12-01T00:00:00Z',
    ...(spec.withdrawn ? { withdrawn: spec.withdrawn } : {}),
    ...(spec.aliases ? { aliases: spec.aliases } : {}),
    ...(spec.upstream ? { upstream: spec.upstream } : {}),
    summary: spec.summary ?? `${spec.id} in ${spec.name}`,
    ...(spec.cvss ? { severity: [{ type: spec.cvss.startsWith('CVSS:4') ? 'CVSS_V4' : 'CVSS_V3', score: spec.cvss }] } : {}),
    affected: [{
      package: { ecosystem: spec.ecosystem, name: spec.name },
      ...(spec.versions ? { versions: spec.versions } : { ranges: [{ type: 'ECOSYSTEM', events }] }),
      ...(spec.databaseSeverity ? { database_specific: { severity: spec.databaseSeverity } } : {}),
    }],
  };
}

export interface TestVulnDb {
  store: MetaStore;
  vulndb: VulnDbService;
  matcher: DbVulnerabilityMatcher;
  close(): Promise<void>;
}

/** A vulnerability database on a fresh SQLite file. */
export async function openTestVulnDb(now: () => number = Date.now): Promise<TestVulnDb> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-vulndb-'));
  const store = await openMetaStore(sqliteDialect({ path: join(dir, 'berth.db') }), now);
  const vulndb = new VulnDbService({ repo: store.vulndb, now });
  return {
    store,
    vulndb,
    matcher: new DbVulnerabilityMatcher({ repo: store.vulndb, vulndb }),
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Zips `files` (relative to `cwd`) into `zipPath` with the `zip` tool; fails loudly when it is missing. */
export function zipFiles(zipPath: string, cwd: string, files: string[]): void {
  const res = spawnSync('zip', ['-q', '-X', zipPath, ...files], { cwd, encoding: 'utf8' });
  assert.ifError(res.error);
  assert.equal(res.status, 0, `zip failed: ${res.stderr}`);
}

/** `dpkg --compare-versions a op b` from this machine's dpkg. */
export function dpkgCompare(a: string, op: 'lt' | 'gt' | 'eq', b: string): boolean {
  const res = spawnSync('dpkg', ['--compare-versions', a, op, b]);
  assert.ifError(res.error);
  return res.status === 0;
}
