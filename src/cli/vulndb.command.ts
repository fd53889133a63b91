import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { readOsvPath } from '../scan/vulndb/osv-files.reader.ts';
import { apiAction, apiCommand, commandGroup, shortTime } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

interface Freshness { name: string; recordCount: number; withdrawnCount: number; modifiedWatermark: string | null; lastImportAt: string | null; lastSyncAt: string | null }
interface StatusView { revision: string | null; totals: { records: number; withdrawn: number }; sources: Freshness[] }
interface ImportView { read: number; added: number; updated: number; unchanged: number; invalid: number; problems: Array<{ name: string; error: string }>; revision: string | null; sources: Freshness[] }
interface SyncView { results: Array<ImportView & { ecosystem: string; mode: 'full' | 'incremental'; fetched: number }> }

const ZIP_MAGIC = 0x04034b50;

async function isZipFile(path: string): Promise<boolean> {
  if (!(await stat(path)).isFile()) return false;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return (await handle.read(head, 0, 4, 0)).bytesRead === 4 && head.readUInt32LE(0) === ZIP_MAGIC;
  } finally {
    await handle.close();
  }
}

/** Records under `path` as JSON lines, read locally (files, directories, zips inside them); unreadable ones counted. */
function jsonLines(path: string, problems: Array<{ name: string; error: string }>): Readable {
  return Readable.from((async function* () {
    for await (const item of readOsvPath(path)) {
      if ('error' in item) problems.push({ name: item.name, error: item.error });
      else yield `${JSON.stringify(item.json)}\n`;
    }
  })());
}

function sourcesTable(sources: Freshness[]): string {
  return formatTable([
    ['SOURCE', 'RECORDS', 'WITHDRAWN', 'NEWEST MODIFIED', 'IMPORTED', 'SYNCED'],
    ...sources.map((s) => [s.name, String(s.recordCount), String(s.withdrawnCount), shortTime(s.modifiedWatermark), shortTime(s.lastImportAt), shortTime(s.lastSyncAt)]),
  ]);
}

function importText(r: ImportView, what: string): string {
  const lines = [`${what}: ${r.read} read, ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.invalid} invalid; revision ${r.revision ?? '-'}`];
  for (const p of r.problems) lines.push(`  ${p.name}: ${p.error}`);
  return lines.join('\n');
}

export function registerVulndbCommands(program: Command): void {
  const vulndb = commandGroup(program, 'vulndb', 'the vulnerability database (OSV data) on a Berth server: import, sync, status');

  apiCommand(vulndb, 'import', 'import OSV records from files, directories or per-ecosystem all.zip archives (administrators)', `
PATH is an OSV record (.json, a record or an array), a directory of them (recursively, with any .zip inside)
or a zip archive such as OSV's <ECOSYSTEM>/all.zip. An archive is uploaded as it is (streamed); files and
directories are read here and streamed to the server as JSON lines. For air-gapped installations: fetch the
archives elsewhere, carry them over, import them. Records that are not valid OSV are reported and skipped.
--json prints {read, added, updated, unchanged, invalid, problems, revision, sources}.
Examples:
  berth vulndb import ./Debian/all.zip
  berth vulndb import ./advisories/`)
    .argument('PATH')
    .action(
      apiAction(async (ctx, api, path: string, _opts: ConnectionOptions) => {
        const problems: Array<{ name: string; error: string }> = [];
        let isZip: boolean;
        try {
          isZip = await isZipFile(path);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new CliError(`${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`, code === 'ENOENT' ? EXIT.NOT_FOUND : EXIT.FAILURE);
        }
        const raw = isZip
          ? { contentType: 'application/zip', body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array> }
          : { contentType: 'application/x-ndjson', body: Readable.toWeb(jsonLines(path, problems)) as ReadableStream<Uint8Array> };
        const result = await (await api()).request<ImportView>('POST', '/vulndb/import', `import ${path}`, { raw });
        result.problems = [...problems, ...result.problems];
        result.invalid += problems.length;
        result.read += problems.length;
        emit(ctx.isJson, result, () => importText(result, `Imported ${path}`));
      }),
    );

  apiCommand(vulndb, 'sync', 'sync the database from the server\'s OSV bucket (administrators)', `
The server downloads <vulndb.baseUrl>/<ECOSYSTEM>/all.zip the first time, then reads modified_id.csv and
fetches only the records modified since its newest one. ECOSYSTEM is an OSV directory name (Debian, Alpine,
Ubuntu, npm, PyPI, Go, Maven, RubyGems, crates.io, ...); without one, the server's vulndb.ecosystems, else
the sources it already has.
--json prints {results: [{ecosystem, mode, fetched, read, added, updated, unchanged, invalid, problems, revision, sources}]}.
Examples:
  berth vulndb sync Debian npm
  berth vulndb sync`)
    .argument('[ECOSYSTEM...]')
    .action(
      apiAction(async (ctx, api, ecosystems: string[], _opts: ConnectionOptions) => {
        const result = await (await api()).request<SyncView>('POST', '/vulndb/sync', 'sync', { body: ecosystems.length > 0 ? { ecosystems } : {} });
        emit(ctx.isJson, result, () => result.results.map((r) => importText(r, `${r.ecosystem} (${r.mode}${r.mode === 'incremental' ? `, ${r.fetched} fetched` : ''})`)).join('\n'));
      }),
    );

  apiCommand(vulndb, 'status', 'show the database revision and the freshness of each source', `
Each source (an OSV ecosystem) shows its records, withdrawn records, the newest modification time stored
(where an incremental sync resumes) and when it was last imported and synced.
--json prints {revision, totals: {records, withdrawn}, sources: [...]}.`)
    .action(
      apiAction(async (ctx, api, _opts: ConnectionOptions) => {
        const status = await (await api()).request<StatusView>('GET', '/vulndb', 'vulnerability database status');
        emit(ctx.isJson, status, () => status.sources.length === 0
          ? 'The vulnerability database is empty: run "berth vulndb sync ECOSYSTEM" or "berth vulndb import PATH".'
          : `Revision ${status.revision}: ${status.totals.records} records (${status.totals.withdrawn} withdrawn)\n${sourcesTable(status.sources)}`);
      }),
    );
}
