import type { Command } from 'commander';
import type { GcReport } from '../gc/gc.service.ts';
import { apiAction, apiCommand } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatBytes, formatTable } from './output.ts';
import { createProgress } from './progress.ts';

interface GcOptions extends ConnectionOptions {
  dryRun?: boolean;
}

export function formatGcReport(r: GcReport): string {
  const verb = r.dryRun ? 'Would free' : 'Freed';
  return [
    formatTable([
      ['', 'COUNT', 'BYTES'],
      ['manifests unlinked from a repository', String(r.manifestLinks), '-'],
      ['blobs unlinked from a repository', String(r.blobLinks), '-'],
      ['manifests removed', String(r.manifests), formatBytes(r.manifestBytes)],
      ['blobs removed', String(r.blobs), formatBytes(r.blobBytes)],
      ['orphan files removed', String(r.orphanFiles), formatBytes(r.orphanBytes)],
    ]),
    `${verb} ${formatBytes(r.blobBytes + r.orphanBytes)} of blob storage${r.keptByRace > 0 ? `; ${r.keptByRace} kept because a push used them meanwhile` : ''}.`,
  ].join('\n');
}

export function registerGcCommand(program: Command): void {
  apiCommand(program, 'gc', 'garbage collection: remove manifests and blobs nothing references (the registry keeps serving)', `
Untagged manifests no index, referrer subject or recent tag history keeps, and blobs no remaining manifest
uses, are removed once older than the grace period (gc.grace). Admins only. --dry-run reports what would go.
--json prints the report: {dryRun, startedAt, finishedAt, manifestLinks, blobLinks, manifests, manifestBytes,
blobs, blobBytes, orphanFiles, orphanBytes, keptByRace}.
Examples:
  berth gc --dry-run
  berth gc --json`, undefined, { [EXIT.FAILURE]: 'the server refused (409: a collection is already running) or answered unexpectedly' })
    .option('--dry-run', 'only report what would be freed')
    .action(
      apiAction(async (ctx, api, opts: GcOptions) => {
        createProgress().note(opts.dryRun ? 'Checking what garbage collection would free...' : 'Collecting garbage...');
        const report = await (await api()).request<GcReport>('POST', '/gc', 'garbage collection', { body: { dryRun: opts.dryRun === true } });
        emit(ctx.isJson, report, () => formatGcReport(report));
      }),
    );
}
