import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isBerthError } from '../errors/berth-error.ts';
import { resolveImages } from '../image/image-resolve.ts';
import { sqliteDialect } from '../meta/dialects/sqlite.dialect.ts';
import { openMetaStore } from '../meta/meta-store.ts';
import { collectInventory } from '../scan/inventory/collect-inventory.ts';
import type { Inventory } from '../scan/inventory/inventory.ts';
import { DbVulnerabilityMatcher } from '../scan/match/db-vulnerability-matcher.ts';
import type { VulnerabilityFinding } from '../scan/match/vulnerability-matcher.ts';
import { toJsonReport } from '../scan/report/json.report.ts';
import { toSarif } from '../scan/report/sarif.report.ts';
import { findingsAtOrAbove, type ScanReport } from '../scan/report/scan-report.ts';
import { renderTable } from '../scan/report/table.report.ts';
import { toVex } from '../scan/report/vex.report.ts';
import { SEVERITY_ORDER, type SeverityRating } from '../scan/severity/severity.ts';
import { readOsvPath } from '../scan/vulndb/osv-files.reader.ts';
import { VulnDbService } from '../scan/vulndb/vulndb.service.ts';
import { describeLocal, openSource, parsePlatform } from './analyze.command.ts';
import { ApiClient } from './api-client.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';

interface ScanCliOptions extends ConnectionOptions {
  failOn?: string;
  format?: string;
  output?: string;
  vulndb?: string;
  platform?: string;
}

const FORMATS = ['table', 'json', 'sarif', 'vex'] as const;
type Format = (typeof FORMATS)[number];

function parseSeverity(raw: string | undefined): SeverityRating | undefined {
  if (raw === undefined) return undefined;
  const value = raw.toLowerCase();
  if (!(SEVERITY_ORDER as readonly string[]).includes(value)) throw new CliError(`invalid --fail-on "${raw}": use one of ${SEVERITY_ORDER.join(', ')}`, EXIT.CONFIG);
  return value as SeverityRating;
}

function parseFormat(opts: ScanCliOptions): Format {
  const raw = opts.format ?? (opts.json ? 'json' : 'table');
  if (!(FORMATS as readonly string[]).includes(raw)) throw new CliError(`invalid --format "${raw}": use one of ${FORMATS.join(', ')}`, EXIT.CONFIG);
  if (opts.json && raw !== 'json') throw new CliError('--json and --format disagree: use one', EXIT.CONFIG);
  return raw as Format;
}

function render(report: ScanReport, format: Format): string {
  if (format === 'table') return renderTable(report);
  const doc = format === 'json' ? toJsonReport(report) : format === 'sarif' ? toSarif(report) : toVex(report);
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Offline: the OSV data at `path` in a throwaway SQLite database, matched here. */
async function matchOffline(inventory: Inventory, path: string): Promise<{ revision: string; findings: VulnerabilityFinding[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-scan-vulndb-'));
  const store = await openMetaStore(sqliteDialect({ path: join(dir, 'vulndb.db') }));
  try {
    const vulndb = new VulnDbService({ repo: store.vulndb, now: Date.now });
    let result;
    try {
      result = await vulndb.import(readOsvPath(path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CliError(`--vulndb ${path}: no such file or directory`, EXIT.CONFIG);
      throw err;
    }
    if (result.added === 0) throw new CliError(`--vulndb ${path}: no OSV records found${result.problems[0] ? ` (${result.problems[0].name}: ${result.problems[0].error})` : ''}`, EXIT.CONFIG);
    const matcher = new DbVulnerabilityMatcher({ repo: store.vulndb, vulndb });
    return { revision: `offline:${await matcher.revision()}`, findings: await matcher.match(inventory) };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Online: the server's database, sent the inventory without locations (it needs only the packages). */
async function matchOnServer(inventory: Inventory, ctx: CliContext): Promise<{ revision: string; findings: VulnerabilityFinding[] }> {
  const packages = inventory.packages.map(({ locations: _l, licenses: _x, ...pkg }) => pkg);
  return (await ApiClient.forContext(ctx)).request('POST', '/vulnerabilities/match', 'vulnerability matching', { body: { inventory: { os: inventory.os ?? null, packages } } });
}

/** Exit 1 is the verdict: a failure that would exit 1 exits ERROR instead. */
function scanError(err: unknown): unknown {
  if (err instanceof CliError) return err.exitCode === EXIT.FAILURE ? new CliError(err.message, EXIT.ERROR, { cause: err }) : err;
  if (isBerthError(err)) return err;
  return new CliError(`unexpected error: ${(err as Error)?.message ?? String(err)}`, EXIT.ERROR, { cause: err });
}

export function registerScanCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('scan')
      .argument('IMAGE', 'project/repo[:tag|@digest], host[:port]/name[:tag|@digest], oci:DIR[:TAG] or docker-archive:PATH[:TAG]')
      .description('scan an image for known vulnerabilities (for CI): inventory its packages, match them against OSV data')
      .option('--fail-on <SEVERITY>', `exit 1 when a finding is rated at or above: ${SEVERITY_ORDER.join(', ')}`)
      .option('--format <FORMAT>', `report format: ${FORMATS.join(', ')} (default table; --json is --format json)`)
      .option('--output <FILE>', 'write the report to FILE instead of stdout')
      .option('--vulndb <PATH>', 'match offline against OSV files, a directory or all.zip archives instead of the server')
      .option('--platform <os/arch[/variant]>', 'the image of an index to scan (default linux/amd64)'),
  )
    .addHelpText(
      'after',
      `
IMAGE is read where it lives, like "berth analyze": a registry (Berth or any other), an OCI layout (oci:DIR[:TAG])
or a "docker save" tarball (docker-archive:PATH[:TAG]). Its OS packages (dpkg, apk, rpm) and language packages
(npm, PyPI, Go, Maven, RubyGems, Rust) are inventoried here, then matched by the Berth server named by --server
or $BERTH_SERVER (POST /api/v1/vulnerabilities/match, any signed-in user), or offline with --vulndb against OSV
data on disk. OS packages are matched on their source package in the detected release (Debian:12, Alpine:v3.19).

Formats: table (people), json ({schemaVersion, subject, revision, generatedAt, summary, findings}), sarif
(SARIF 2.1.0 for code-scanning uploads) and vex (CycloneDX 1.6 VEX). Findings without a rating count as
below every --fail-on threshold.
Examples:
  berth scan app/web:1.4 --fail-on high
  berth scan oci:./build/layout:latest --format sarif --output scan.sarif
  berth scan docker-archive:image.tar --vulndb ./osv/ --fail-on critical
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND, EXIT.ERROR], {
  [EXIT.OK]: 'scanned; nothing at or above --fail-on (or no --fail-on)',
  [EXIT.FAILURE]: 'scanned; findings at or above --fail-on (the report is still written)',
  [EXIT.CONFIG]: 'bad usage: an invalid option, no server and no --vulndb, or --vulndb holds no OSV records',
  [EXIT.DENIED]: 'authentication failed or access was denied (401/403), or a local file is not readable',
  [EXIT.NOT_FOUND]: 'the image, tag, digest, directory or archive does not exist',
  [EXIT.ERROR]: 'the image could not be read (corrupt, over a limit) or the server answered unexpectedly',
})}`,
    )
    .action(
      runAction(async (raw: string, opts: ScanCliOptions) => {
        const failOn = parseSeverity(opts.failOn);
        const format = parseFormat(opts);
        const platform = parsePlatform(opts.platform);
        if (platform === 'all') throw new CliError('--platform all is not supported by scan: name one platform', EXIT.CONFIG);
        const ctx = new CliContext(opts);
        if (opts.vulndb === undefined) ctx.requireServer();
        let report: ScanReport;
        try {
          let inventory: Inventory;
          let digest: string;
          try {
            const source = await openSource(raw, ctx);
            const [image] = await resolveImages(source, platform ? { platform } : {});
            digest = image!.manifest.digest;
            inventory = await collectInventory(source, { image: image! });
          } catch (err) {
            throw describeLocal(err, raw);
          }
          const matched = opts.vulndb !== undefined ? await matchOffline(inventory, opts.vulndb) : await matchOnServer(inventory, ctx);
          report = { subject: { name: raw, digest }, findings: matched.findings, revision: matched.revision, generatedAt: new Date().toISOString(), inventory };
          const text = render(report, format);
          if (opts.output !== undefined) await writeFile(opts.output, text);
          else process.stdout.write(text);
        } catch (err) {
          throw scanError(err);
        }
        const failing = failOn === undefined ? [] : findingsAtOrAbove(report.findings, failOn);
        if (failing.length > 0) throw new CliError(`${failing.length} ${failing.length === 1 ? 'vulnerability' : 'vulnerabilities'} at or above ${failOn} (--fail-on)`, EXIT.FAILURE);
      }),
    );
}
