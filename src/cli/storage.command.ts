import type { Command } from 'commander';
import type { StorageReportView } from '../storage-report/storage-report.service.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatBytes, formatTable } from './output.ts';

interface ReportOptions extends ConnectionOptions {
  project?: string;
  top?: string;
}

const ratio = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)}x`);
const shortDigest = (digest: string): string => digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, '$1$2');
const sizes = (r: { logicalBytes: number; physicalBytes: number; uniqueBytes: number; dedupRatio: number | null }) =>
  [formatBytes(r.logicalBytes), formatBytes(r.physicalBytes), formatBytes(r.uniqueBytes), ratio(r.dedupRatio)];

/** The report as sections of tables; empty rankings are left out. */
export function formatStorageReport(report: StorageReportView): string {
  const t = report.totals;
  const sections = [
    formatTable([
      ['', 'PROJECTS', 'REPOSITORIES', 'MANIFESTS', 'BLOBS', 'LOGICAL', 'PHYSICAL', 'UNIQUE', 'DEDUP'],
      ['TOTAL', String(t.projects), String(t.repositories), String(t.manifests), String(t.blobs), ...sizes(t)],
    ]),
  ];
  if (report.projects.length > 0) {
    sections.push(formatTable([['PROJECT', 'REPOSITORIES', 'BLOBS', 'LOGICAL', 'PHYSICAL', 'UNIQUE', 'DEDUP'], ...report.projects.map((p) => [p.name, String(p.repositories), String(p.blobs), ...sizes(p)])]));
  }
  if (report.repositories.length > 0) {
    sections.push(formatTable([['REPOSITORY', 'MANIFESTS', 'TAGS', 'LOGICAL', 'PHYSICAL', 'UNIQUE', 'DEDUP'], ...report.repositories.map((r) => [r.name, String(r.manifests), String(r.tags), ...sizes(r)])]));
  }
  if (report.sharedLayers.length > 0) {
    sections.push(`Layers shared by the most images:\n${formatTable([['LAYER', 'SIZE', 'IMAGES', 'REPOSITORIES'], ...report.sharedLayers.map((l) => [shortDigest(l.digest), formatBytes(l.sizeBytes), String(l.images), String(l.repositories)])])}`);
  }
  if (report.biggestImages.length > 0) {
    sections.push(`Biggest images:\n${formatTable([['IMAGE', 'TAGS', 'LOGICAL'], ...report.biggestImages.map((i) => [`${i.repository}@${shortDigest(i.digest)}`, i.tags.join(',') || '-', formatBytes(i.logicalBytes)])])}`);
  }
  if (report.biggestWasters.length > 0) {
    sections.push(`Biggest wasters (analysed images):\n${formatTable([['IMAGE', 'PLATFORM', 'WASTED', 'EFFICIENCY'], ...report.biggestWasters.map((w) => [`${w.repository}@${shortDigest(w.digest)}`, w.platform || '-', formatBytes(w.wastedBytes), `${(w.efficiency * 100).toFixed(1)}%`])])}`);
  }
  return sections.join('\n\n');
}

export function registerStorageCommands(program: Command): void {
  const storage = commandGroup(program, 'storage', 'storage used by the registry: logical, physical (deduplicated) and unique bytes');

  apiCommand(storage, 'report', 'report storage per project and repository, shared layers, biggest images and wasters', `
Logical bytes count every image fully (config and layers); physical bytes count each stored blob once;
unique bytes are those no repository outside the row links (what deleting it would free). DEDUP is
logical / physical. Admins see the whole registry, others the projects they may read.
--json prints the report as the API answers it: {totals, projects, repositories, sharedLayers, biggestImages, biggestWasters}.
Examples:
  berth storage report
  berth storage report --project app --json`)
    .option('--project <PROJECT>', 'only this project')
    .option('--top <N>', 'entries in each ranking (0-100, default 10)')
    .action(
      apiAction(async (ctx, api, opts: ReportOptions) => {
        const top = opts.top === undefined ? undefined : Number(opts.top);
        if (top !== undefined && !(Number.isInteger(top) && top >= 0 && top <= 100)) throw new CliError(`invalid --top "${opts.top}": must be a whole number from 0 to 100`, EXIT.CONFIG);
        const project = opts.project === undefined ? undefined : parseProject(opts.project);
        const path = project === undefined ? '/storage' : `/projects/${seg(project)}/storage`;
        const report = await (await api()).request<StorageReportView>('GET', path, project === undefined ? 'storage report' : `storage report of project ${project}`, { query: { top } });
        emit(ctx.isJson, report, () => formatStorageReport(report));
      }),
    );
}
