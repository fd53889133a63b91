import type { Readable } from 'node:stream';
import { z } from 'zod';
import { BerthError } from '../errors/berth-error.ts';
import { isoTime } from '../identity/identity-context.ts';
import type { SourceFreshness } from '../meta/vulndb.repo.ts';
import { FindingView } from '../scan/match/finding.schema.ts';
import type { VulnerabilityMatcher } from '../scan/match/vulnerability-matcher.ts';
import { NDJSON_UPLOAD, ZIP_UPLOAD, type VulnDbAdminService } from '../scan/vulndb/vulndb-admin.service.ts';
import type { ImportResult } from '../scan/vulndb/vulndb.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';

const FreshnessView = z.object({
  name: z.string().describe('the feed: an OSV ecosystem (Debian, npm, ...)'),
  recordCount: z.number().int(),
  withdrawnCount: z.number().int(),
  modifiedWatermark: z.string().nullable().describe('the newest `modified` stored: where an incremental sync resumes'),
  lastImportAt: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
});

const StatusView = z.object({
  revision: z.string().nullable().describe('changes whenever the data changes; null before any import'),
  totals: z.object({ records: z.number().int(), withdrawn: z.number().int() }),
  sources: z.array(FreshnessView),
});

const ImportView = z.object({
  read: z.number().int(), added: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), invalid: z.number().int(),
  problems: z.array(z.object({ name: z.string(), error: z.string() })).describe('the first documents that could not be imported'),
  revision: z.string().nullable(),
  sources: z.array(FreshnessView),
});

const SyncView = z.object({
  results: z.array(ImportView.extend({ ecosystem: z.string(), mode: z.enum(['full', 'incremental']), fetched: z.number().int() })),
});

const ECOSYSTEMS = ['deb', 'apk', 'rpm', 'npm', 'pypi', 'go', 'maven', 'gem', 'cargo', 'go-stdlib'] as const;
const text = (max: number) => z.string().max(max);

export const InventoryInput = z.object({
  os: z.object({ id: text(64), versionId: text(64).optional(), prettyName: text(256).optional(), family: text(64) }).nullable().optional(),
  packages: z.array(z.object({
    ecosystem: z.enum(ECOSYSTEMS),
    name: text(512).min(1),
    version: text(256),
    sourceName: text(512).optional(),
    sourceVersion: text(256).optional(),
    purl: text(2048),
    locations: z.array(z.object({ path: text(4096), layer: z.number().int().min(0) })).max(64).default([]),
    arch: text(64).optional(),
  })).max(200_000),
});

const MatchView = z.object({ revision: z.string(), findings: z.array(FindingView) });

/** Inventories of big images exceed the API's 1 MiB default. */
const MATCH_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

function freshness(s: SourceFreshness): z.infer<typeof FreshnessView> {
  return { ...s, lastImportAt: s.lastImportAt === null ? null : isoTime(s.lastImportAt), lastSyncAt: s.lastSyncAt === null ? null : isoTime(s.lastSyncAt) };
}

function importView(r: ImportResult): z.infer<typeof ImportView> {
  return { read: r.read, added: r.added, updated: r.updated, unchanged: r.unchanged, invalid: r.invalid, problems: r.problems, revision: r.revision ?? null, sources: r.sources.map(freshness) };
}

export function vulndbRoutes(deps: { admin: VulnDbAdminService; matcher: VulnerabilityMatcher }, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/vulndb', tag: 'vulnerabilities', permission: g.signedIn, response: StatusView,
      summary: 'The vulnerability database: its revision and the freshness of each source',
      async handle() {
        const s = await deps.admin.status();
        return { revision: s.revision ?? null, totals: s.totals, sources: s.sources.map(freshness) };
      },
    }),
    defineRoute({
      method: 'POST', path: '/vulndb/import', tag: 'vulnerabilities', permission: g.admin, response: ImportView,
      rawBodyTypes: [ZIP_UPLOAD, NDJSON_UPLOAD],
      summary: `Import OSV records: an archive (${ZIP_UPLOAD}, e.g. an ecosystem's all.zip) or JSON lines (${NDJSON_UPLOAD}, one record per line); streamed`,
      async handle({ actor, req }) {
        const body = req.body as Readable | undefined;
        if (!body || typeof body.pipe !== 'function') throw new BerthError('BAD_REQUEST', { message: `send the records as ${ZIP_UPLOAD} or ${NDJSON_UPLOAD}` });
        return importView(await deps.admin.importUpload(actor, req.headers['content-type'] ?? '', body));
      },
    }),
    defineRoute({
      method: 'POST', path: '/vulndb/sync', tag: 'vulnerabilities', permission: g.admin, response: SyncView,
      body: z.object({ ecosystems: z.array(z.string().min(1).max(64)).max(100).optional().describe('OSV ecosystem directories (Debian, Alpine, npm, PyPI); default vulndb.ecosystems, else those already stored') }),
      summary: 'Sync from the configured OSV bucket (vulndb.baseUrl): all.zip the first time, then only records modified since',
      async handle({ actor, body }) {
        const { ecosystems } = (body ?? {}) as { ecosystems?: string[] };
        const results = await deps.admin.sync(actor, ecosystems);
        return { results: results.map((r) => ({ ...importView(r), ecosystem: r.ecosystem, mode: r.mode, fetched: r.fetched })) };
      },
    }),
    defineRoute({
      method: 'POST', path: '/vulnerabilities/match', tag: 'vulnerabilities', permission: g.signedIn, response: MatchView,
      body: z.object({ inventory: InventoryInput }), bodyLimitBytes: MATCH_BODY_LIMIT_BYTES,
      summary: 'Match an image inventory (as berth scan collects it) against the vulnerability database',
      async handle({ body }) {
        const { inventory } = z.object({ inventory: InventoryInput }).parse(body);
        const revision = await deps.matcher.revision();
        const os = inventory.os ? { id: inventory.os.id, versionId: inventory.os.versionId, prettyName: inventory.os.prettyName, family: inventory.os.family } : undefined;
        const findings = await deps.matcher.match({ os, packages: inventory.packages, warnings: [] });
        return { revision, findings };
      },
    }),
  ];
}
