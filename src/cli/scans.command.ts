import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AffectedView, ImageReportView, RepositoryReportView } from '../scan/registry/scan-report.service.ts';
import type { ScanExceptionView } from '../scan/registry/scan-policy.service.ts';
import type { ScanPolicy } from '../scan/registry/scan-settings.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg, shortTime, yesNo } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';
import { parseTimeOption } from './time-option.ts';

const FORMATS = ['table', 'json', 'sarif', 'vex'] as const;
const MODES = ['off', 'audit', 'warn', 'enforce'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

const short = (digest: string): string => digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1');
const counts = (c: { critical: number; high: number; medium: number; low: number }): string[] => [String(c.critical), String(c.high), String(c.medium), String(c.low)];

/** An image report as tables: one summary row per image (per platform of an index), then its findings. */
export function formatImageReport(report: ImageReportView): string {
  const rows = [['IMAGE', 'PLATFORM', 'STATUS', 'SCANNED', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW']];
  for (const i of report.images) rows.push([short(i.digest), i.platform ?? '-', i.status, shortTime(i.scannedAt), ...counts(i.counts)]);
  const sections = [`${report.repository} ${report.reference}`, formatTable(rows)];
  for (const i of report.images.filter((x) => x.findings.length > 0)) {
    sections.push(`${short(i.digest)}${i.platform ? ` (${i.platform})` : ''}:\n${formatTable([
      ['ID', 'SEVERITY', 'PACKAGE', 'VERSION', 'FIXED IN', 'ALIASES'],
      ...i.findings.map((f) => [f.id, f.isSeverityUnknown ? 'unknown' : f.severity, f.package.name, f.package.version, f.fixedVersions.join(', ') || '-', f.aliases.join(', ') || '-']),
    ])}`);
  }
  return sections.join('\n\n');
}

function oneOf<T extends string>(raw: string, allowed: readonly T[], option: string): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new CliError(`invalid ${option} "${raw.slice(0, 40)}": must be one of ${allowed.join(', ')}`, EXIT.CONFIG);
}

interface ShowOptions extends ConnectionOptions {
  format?: string;
  platform?: string;
  output?: string;
}

interface PolicyOptions extends ConnectionOptions {
  scanOnPush?: boolean;
  mode?: string;
  severity?: string;
  refuseUnscanned?: boolean;
  graceDays?: string;
}

interface ExceptionOptions extends ConnectionOptions {
  repository?: string;
  digest?: string;
  owner: string;
  justification: string;
  expires: string;
}

export function registerScansCommands(program: Command): void {
  const scans = commandGroup(program, 'scans', 'vulnerability scans of images stored in a Berth server: reports, on-demand scans, policies and exceptions');

  apiCommand(scans, 'show', 'show the stored vulnerability report of an image', `
IMAGE is repo:tag or repo@digest on the server. Without --format, a summary per image (per platform of an
index) and its findings; --format table|sarif|vex asks the server to render one image (for an index, the
--platform one, default linux/amd64) as a table, SARIF 2.1.0 or CycloneDX VEX; --json (or --format json) prints
{repository, reference, digest, mediaType, images: [{digest, platform, status, scannedAt, counts, findings}]}.
Examples:
  berth scans show acme/api:1.4
  berth scans show acme/api:1.4 --format sarif --output api.sarif`)
    .argument('IMAGE')
    .option('--format <FORMAT>', `one of ${FORMATS.join(', ')}`)
    .option('--platform <OS/ARCH>', 'for an index: the image to render (table, sarif, vex)')
    .option('--output <FILE>', 'write the report to FILE instead of standard output')
    .action(apiAction(async (ctx, api, image: string, opts: ShowOptions) => {
      const format = opts.format === undefined ? undefined : oneOf(opts.format, FORMATS, '--format');
      const client = await api();
      let text: string;
      if (format === undefined || format === 'json') {
        const report = await client.request<ImageReportView>('GET', '/scans', `scan report of ${image}`, { query: { image } });
        text = ctx.isJson || format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${formatImageReport(report)}\n`;
      } else {
        const res = await client.send('GET', '/scans', `scan report of ${image}`, { query: { image, format, platform: opts.platform } });
        text = await res.text();
        if (!text.endsWith('\n')) text += '\n';
      }
      if (opts.output !== undefined) await writeFile(opts.output, text);
      else process.stdout.write(text);
    }));

  apiCommand(scans, 'run', 'scan an image now, ahead of push and background scans', `
Queues a scan of IMAGE (every platform of an index); with --wait, waits for it and prints the report as
"berth scans show" does. --json prints {queued: [digests], report?}.
Example: berth scans run acme/api:1.4 --wait`)
    .argument('IMAGE')
    .option('--wait', 'wait for the scan to finish and print the report')
    .action(apiAction(async (ctx, api, image: string, opts: ConnectionOptions & { wait?: boolean }) => {
      if (process.stderr.isTTY && opts.wait) process.stderr.write(`scanning ${image}...\n`);
      const res = await (await api()).request<{ queued: string[]; report?: ImageReportView }>('POST', '/scans', `scan of ${image}`, { body: { image, wait: opts.wait === true } });
      emit(ctx.isJson, res, () => (res.report ? formatImageReport(res.report) : res.queued.length === 0 ? `${image} is an artifact: nothing to scan` : `Queued ${res.queued.map(short).join(', ')}`));
    }));

  apiCommand(scans, 'repo', 'list the images of a repository with their scan status and severity counts', `
--json prints {repository, images: [{digest, mediaType, tags, status, counts}]}.
Example: berth scans repo acme/api`)
    .argument('REPOSITORY')
    .action(apiAction(async (ctx, api, repo: string, _opts: ConnectionOptions) => {
      const report = await (await api()).request<RepositoryReportView>('GET', `/repositories/${seg(repo)}/scans`, `scan report of repository ${repo}`);
      emit(ctx.isJson, report, () => formatTable([['IMAGE', 'TAGS', 'STATUS', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], ...report.images.map((i) => [short(i.digest), i.tags.join(',') || '-', i.status, ...counts(i.counts)])]));
    }));

  apiCommand(scans, 'affected', 'list the images a vulnerability affects, by its id or any alias', `
Only repositories you may pull are listed. --json prints {id, images: [{repository, digest, tags, findings}]}.
Example: berth scans affected CVE-2024-3094`)
    .argument('ID')
    .action(apiAction(async (ctx, api, id: string, _opts: ConnectionOptions) => {
      const res = await (await api()).request<AffectedView>('GET', `/vulnerabilities/${seg(id)}/images`, `images affected by ${id}`);
      emit(ctx.isJson, res, () => (res.images.length === 0 ? `No stored image is affected by ${id}` : formatTable([
        ['REPOSITORY', 'IMAGE', 'TAGS', 'PACKAGES'],
        ...res.images.map((i) => [i.repository, short(i.digest), i.tags.join(',') || '-', i.findings.map((f) => `${f.package.name} ${f.package.version}`).join(', ')]),
      ])));
    }));

  apiCommand(scans, 'all', 'queue a background scan of every stored image (administrators)', `
User and push scans still run first. --json prints {queued: N}.`)
    .action(apiAction(async (ctx, api, _opts: ConnectionOptions) => {
      const res = await (await api()).request<{ queued: number }>('POST', '/scans/all', 'scan of every image');
      emit(ctx.isJson, res, () => `Queued ${res.queued} images`);
    }));

  const policy = commandGroup(scans, 'policy', "a project's scanning settings and vulnerability pull policy");
  const showPolicy = (p: ScanPolicy): string => formatTable([
    ['SCAN ON PUSH', 'MODE', 'SEVERITY', 'REFUSE UNSCANNED', 'GRACE DAYS'],
    [yesNo(p.scanOnPush), p.mode, p.severity, yesNo(p.refuseUnscanned), String(p.graceDays)],
  ]);
  apiCommand(policy, 'get', "show a project's scan policy", `
--json prints {scanOnPush, mode, severity, refuseUnscanned, graceDays}.
Example: berth scans policy get acme`)
    .argument('PROJECT')
    .action(apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
      const project = parseProject(raw);
      const p = await (await api()).request<ScanPolicy>('GET', `/projects/${seg(project)}/scan-policy`, `scan policy of ${project}`);
      emit(ctx.isJson, p, () => showPolicy(p));
    }));
  apiCommand(policy, 'set', "change a project's scan policy (options not given keep their current value)", `
Pulls by tag of images with findings at or above --severity are refused (enforce), allowed with a Warning
header (warn) or allowed and audited (audit); off turns the policy off. Findings whose advisory was published
less than --grace-days ago do not count. Needs manage-settings on the project. --json prints the new policy.
Example: berth scans policy set acme --scan-on-push --mode enforce --severity high --grace-days 7`)
    .argument('PROJECT')
    .option('--scan-on-push', 'scan every image pushed to the project')
    .option('--no-scan-on-push', 'do not scan on push')
    .option('--mode <MODE>', `one of ${MODES.join(', ')}`)
    .option('--severity <SEVERITY>', `one of ${SEVERITIES.join(', ')}`)
    .option('--refuse-unscanned', 'count images without a scan result against them')
    .option('--no-refuse-unscanned', 'let unscanned images through')
    .option('--grace-days <N>', 'days a newly published advisory does not count (0-3650)')
    .action(apiAction(async (ctx, api, raw: string, opts: PolicyOptions) => {
      const project = parseProject(raw);
      const client = await api();
      const current = await client.request<ScanPolicy>('GET', `/projects/${seg(project)}/scan-policy`, `scan policy of ${project}`);
      const graceDays = opts.graceDays === undefined ? current.graceDays : Number(opts.graceDays);
      if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 3650) throw new CliError(`invalid --grace-days "${opts.graceDays}": must be a whole number from 0 to 3650`, EXIT.CONFIG);
      const next: ScanPolicy = {
        scanOnPush: opts.scanOnPush ?? current.scanOnPush,
        mode: opts.mode === undefined ? current.mode : oneOf(opts.mode, MODES, '--mode'),
        severity: opts.severity === undefined ? current.severity : oneOf(opts.severity, SEVERITIES, '--severity'),
        refuseUnscanned: opts.refuseUnscanned ?? current.refuseUnscanned,
        graceDays,
      };
      const saved = await client.request<ScanPolicy>('PUT', `/projects/${seg(project)}/scan-policy`, `scan policy of ${project}`, { body: next });
      emit(ctx.isJson, saved, () => showPolicy(saved));
    }));

  const exception = commandGroup(scans, 'exception', "a project's vulnerability exceptions (the pull policy ignores them until they expire)");
  apiCommand(exception, 'add', 'except a vulnerability from the pull policy', `
ID is the advisory id or any alias. Without --repository it applies to the whole project; with --digest to one
image. --expires is a date (2026-01-31) or a duration from now (30d). Needs manage-settings. --json prints the
exception.
Example: berth scans exception add acme CVE-2024-1234 --repository acme/api --owner sec-team --justification "not reachable" --expires 30d`)
    .argument('PROJECT')
    .argument('ID')
    .option('--repository <REPO>', 'only this repository of the project')
    .option('--digest <DIGEST>', 'only this image (manifest digest)')
    .requiredOption('--owner <OWNER>', 'who answers for it')
    .requiredOption('--justification <TEXT>', 'why it is acceptable')
    .requiredOption('--expires <WHEN>', 'when it stops applying: a date or a duration (30d)')
    .action(apiAction(async (ctx, api, raw: string, id: string, opts: ExceptionOptions) => {
      const project = parseProject(raw);
      const body = {
        vulnerabilityId: id, owner: opts.owner, justification: opts.justification, expiresAt: parseTimeOption(opts.expires, '--expires', 'future', Date.now()),
        ...(opts.repository !== undefined ? { repository: opts.repository } : {}), ...(opts.digest !== undefined ? { digest: opts.digest } : {}),
      };
      const created = await (await api()).request<ScanExceptionView>('POST', `/projects/${seg(project)}/scan-exceptions`, `exception for ${id}`, { body });
      emit(ctx.isJson, created, () => `Added exception ${created.id} for ${created.vulnerabilityId} until ${shortTime(created.expiresAt)}`);
    }));
  apiCommand(exception, 'list', "list a project's exceptions, expired ones included", `
--json prints {items: [{id, vulnerabilityId, repository, digest, owner, justification, expiresAt, isExpired, createdBy, createdAt}]}.
Example: berth scans exception list acme`)
    .argument('PROJECT')
    .action(apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
      const project = parseProject(raw);
      const res = await (await api()).request<{ items: ScanExceptionView[] }>('GET', `/projects/${seg(project)}/scan-exceptions`, `exceptions of ${project}`);
      emit(ctx.isJson, res, () => formatTable([
        ['ID', 'VULNERABILITY', 'SCOPE', 'OWNER', 'EXPIRES', 'EXPIRED'],
        ...res.items.map((e) => [e.id, e.vulnerabilityId, e.digest ? `${e.repository ?? project}@${short(e.digest)}` : (e.repository ?? `${project} (all)`), e.owner, shortTime(e.expiresAt), yesNo(e.isExpired)]),
      ]));
    }));
  apiCommand(exception, 'remove', 'remove an exception', `
Needs manage-settings on the project. --json prints {"deleted": ID}.
Example: berth scans exception remove acme 2b1f...`)
    .argument('PROJECT')
    .argument('ID')
    .action(apiAction(async (ctx, api, raw: string, id: string, _opts: ConnectionOptions) => {
      const project = parseProject(raw);
      await (await api()).request('DELETE', `/projects/${seg(project)}/scan-exceptions/${seg(id)}`, `exception ${id} of ${project}`);
      emit(ctx.isJson, { deleted: id }, () => `Removed exception ${id}`);
    }));
}
