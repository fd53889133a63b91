import type { Command } from 'commander';
import type { RetentionPolicy } from '../versions/retention-rules.ts';
import type { RetentionPolicyView, RetentionReport } from '../versions/retention.service.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatBytes, formatTable } from './output.ts';
import { createProgress } from './progress.ts';

interface SetOptions extends ConnectionOptions {
  keepMostRecent?: string;
  keepHighestVersions?: string;
  keepPatchesPerMinor?: string;
  keepPattern?: string[];
  keepPulledWithinDays?: string;
  historyWindow?: boolean;
}

const count = (flag: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`invalid ${flag} "${raw}": must be a whole number of at least 1`, EXIT.CONFIG);
  return n;
};

function formatPolicy(view: RetentionPolicyView): string {
  const p = view.policy;
  const rows: string[][] = [
    ['keep most recent', p.keepMostRecent === undefined ? '-' : String(p.keepMostRecent)],
    ['keep highest versions', p.keepHighestVersions === undefined ? '-' : String(p.keepHighestVersions)],
    ['keep patches per minor', p.keepPatchesPerMinor === undefined ? '-' : String(p.keepPatchesPerMinor)],
    ['keep patterns', (p.keepPatterns ?? []).join(', ') || '-'],
    ['keep pulled within', p.keepPulledWithinDays === undefined ? '-' : `${p.keepPulledWithinDays} days`],
    ['protect history window', p.protectHistoryWindow ? 'yes' : 'no'],
    ['updated', `${view.updatedAt} by ${view.updatedBy}`],
  ];
  return formatTable(rows);
}

export function formatRetentionReport(r: RetentionReport): string {
  const verb = r.dryRun ? 'Would delete' : 'Deleted';
  const lines = [
    formatTable([['TAG', 'VERDICT', 'WHY'],
      ...r.deleted.map((d) => [`${d.repository}:${d.tag}`, r.dryRun ? 'would delete' : 'deleted', d.detail]),
      ...r.kept.map((k) => [`${k.repository}:${k.tag}`, `kept (${k.reason})`, k.detail]),
      ...r.skipped.map((s) => [`${s.repository}:${s.tag}`, 'skipped', 'moved or deleted during the run']),
    ]),
    `${verb} ${r.deleted.length} tag(s), kept ${r.kept.length}. Garbage collection frees ${formatBytes(r.freed.blobBytes)} in ${r.freed.blobs} blob(s) once the history window has passed.`,
  ];
  return lines.join('\n');
}

export function registerRetentionCommands(program: Command): void {
  const group = commandGroup(program, 'retention', "a project's retention policy: which tags to keep; the others are deleted by each run");

  apiCommand(group, 'show', "show a project's retention policy", `
--json prints {project, policy: {keepMostRecent, keepHighestVersions, keepPatchesPerMinor, keepPatterns,
keepPulledWithinDays, protectHistoryWindow}, updatedBy, updatedAt}.
Example: berth retention show app`)
    .argument('PROJECT')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const project = parseProject(raw);
        const view = await (await api()).request<RetentionPolicyView>('GET', `/projects/${seg(project)}/retention`, `retention policy of ${project}`);
        emit(ctx.isJson, view, () => formatPolicy(view));
      }),
    );

  apiCommand(group, 'set', "set a project's retention policy (replaces the previous one; needs manage-retention)", `
Each --keep option keeps tags; a tag no rule keeps is deleted by the next run. Rules count per repository.
Immutable tags and tags that moved inside versions.historyWindow are always kept (the latter unless
--no-history-window). Precedence of the reasons shown: immutable, history-window, pattern, pulled,
most-recent, highest-version, latest-patches; tools' tags (cosign .sig/.att/.sbom, sha256-<hex>) follow their
image ("attachment"). --json prints the stored policy as "show" does.
Examples:
  berth retention set app --keep-most-recent 10 --keep-highest-versions 5 --keep-pattern 'release-*'
  berth retention set app --keep-patches-per-minor 3 --keep-pulled-within-days 30`)
    .argument('PROJECT')
    .option('--keep-most-recent <N>', 'the N most recently pushed tags')
    .option('--keep-highest-versions <N>', 'the N highest semantic versions')
    .option('--keep-patches-per-minor <N>', 'the N highest patches of each major.minor')
    .option('--keep-pattern <GLOB>', 'tags matching GLOB (* and ?); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--keep-pulled-within-days <N>', 'tags pulled in the last N days')
    .option('--no-history-window', 'let runs delete tags that moved inside the history window')
    .action(
      apiAction(async (ctx, api, raw: string, opts: SetOptions) => {
        const project = parseProject(raw);
        const policy: Partial<RetentionPolicy> = {
          keepMostRecent: count('--keep-most-recent', opts.keepMostRecent),
          keepHighestVersions: count('--keep-highest-versions', opts.keepHighestVersions),
          keepPatchesPerMinor: count('--keep-patches-per-minor', opts.keepPatchesPerMinor),
          keepPatterns: opts.keepPattern,
          keepPulledWithinDays: count('--keep-pulled-within-days', opts.keepPulledWithinDays),
          protectHistoryWindow: opts.historyWindow !== false,
        };
        const body = Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined));
        const view = await (await api()).request<RetentionPolicyView>('PUT', `/projects/${seg(project)}/retention`, `set retention policy of ${project}`, { body });
        emit(ctx.isJson, view, () => formatPolicy(view));
      }),
    );

  apiCommand(group, 'run', "apply a project's retention policy now (or --dry-run: list what would go and why the rest stays)", `
--json prints {project, dryRun, startedAt, finishedAt, deleted: [{repository, tag, digest, detail}],
kept: [{repository, tag, digest, reason, detail}], skipped: [...], freed: {manifests, blobs, blobBytes}}.
Deleted tags can be restored within versions.historyWindow; garbage collection frees their content after it.
Examples:
  berth retention run app --dry-run
  berth retention run app --json`, undefined, { [EXIT.FAILURE]: 'the server refused (409: a run of this project is in progress) or answered unexpectedly' })
    .argument('PROJECT')
    .option('--dry-run', 'only report')
    .action(
      apiAction(async (ctx, api, raw: string, opts: ConnectionOptions & { dryRun?: boolean }) => {
        const project = parseProject(raw);
        createProgress().note(opts.dryRun ? `Evaluating the retention policy of ${project}...` : `Applying the retention policy of ${project}...`);
        const report = await (await api()).request<RetentionReport>('POST', `/projects/${seg(project)}/retention/runs`, `retention run of ${project}`, { body: { dryRun: opts.dryRun === true } });
        emit(ctx.isJson, report, () => formatRetentionReport(report));
      }),
    );

  apiCommand(group, 'remove', "remove a project's retention policy (runs then delete nothing)", `
--json prints {"removed": PROJECT}.
Example: berth retention remove app`)
    .argument('PROJECT')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const project = parseProject(raw);
        await (await api()).request('DELETE', `/projects/${seg(project)}/retention`, `remove retention policy of ${project}`);
        emit(ctx.isJson, { removed: project }, () => `Removed the retention policy of ${project}`);
      }),
    );
}
