import type { Command } from 'commander';
import { formatImageRef, manifestReference, parseImageRef } from '../oci/image-ref.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { platformString, summarizeManifest, type ManifestSummary } from './manifest-summary.ts';
import { emit, formatBytes, formatTable } from './output.ts';

function descriptorJson(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.platform ? { platform: d.platform } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}

function summaryJson(summary: ManifestSummary): Record<string, unknown> {
  const common = {
    ...(summary.artifactType ? { artifactType: summary.artifactType } : {}),
    ...(summary.subject ? { subject: descriptorJson(summary.subject) } : {}),
    ...(summary.annotations ? { annotations: summary.annotations } : {}),
  };
  if (summary.kind === 'index') return { kind: 'index', manifests: summary.manifests.map(descriptorJson), ...common };
  const totalSizeBytes = summary.config.size + summary.layers.reduce((sum, l) => sum + l.size, 0);
  return { kind: 'image', config: descriptorJson(summary.config), layers: summary.layers.map(descriptorJson), totalSizeBytes, ...common };
}

function summaryText(summary: ManifestSummary): string[] {
  const lines: string[] = [];
  if (summary.artifactType) lines.push(`Artifact type: ${summary.artifactType}`);
  if (summary.subject) lines.push(`Subject:       ${summary.subject.digest}`);
  if (summary.kind === 'index') {
    lines.push('', 'Platforms:');
    const rows = summary.manifests.map((m) => [platformString(m), m.digest, formatBytes(m.size), m.mediaType]);
    lines.push(formatTable([['PLATFORM', 'DIGEST', 'SIZE', 'MEDIA TYPE'], ...rows]).replace(/^/gm, '  '));
    return lines;
  }
  lines.push(`Config:        ${summary.config.digest} (${formatBytes(summary.config.size)}, ${summary.config.mediaType})`, '', 'Layers:');
  const rows = summary.layers.map((l) => [l.digest, formatBytes(l.size), l.mediaType]);
  lines.push(formatTable([['DIGEST', 'SIZE', 'MEDIA TYPE'], ...rows]).replace(/^/gm, '  '));
  const total = summary.config.size + summary.layers.reduce((sum, l) => sum + l.size, 0);
  lines.push('', `Total size:    ${formatBytes(total)} (${total} bytes, config + layers)`);
  return lines;
}

export function registerInspectCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('inspect')
      .argument('IMAGE', 'project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]')
      .description('show a manifest: media type, digest, layers with sizes and total size, or the platforms of an index')
      .option('--raw', 'print the manifest bytes exactly as the registry serves them'),
  )
    .addHelpText(
      'after',
      `
--json prints {reference, registry, repository, digest, mediaType, sizeBytes, kind, ...}: for an image
config, layers and totalSizeBytes (config + layers); for an index its manifests with their platforms.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND])}`,
    )
    .action(
      runAction(async (raw: string, opts: ConnectionOptions & { raw?: boolean }) => {
        const ctx = new CliContext(opts);
        const ref = ctx.resolve(parseImageRef(raw));
        const client = await ctx.client(ref.registry);
        const manifest = await client.getManifest(ref.repository, manifestReference(ref));
        if (opts.raw) {
          process.stdout.write(manifest.bytes);
          return;
        }
        const summary = summarizeManifest(manifest.bytes, manifest.mediaType, formatImageRef(ref));
        const json = {
          reference: formatImageRef(ref),
          registry: ref.registry,
          repository: ref.repository,
          ...(ref.tag ? { tag: ref.tag } : {}),
          digest: manifest.digest,
          mediaType: manifest.mediaType,
          sizeBytes: manifest.bytes.length,
          ...summaryJson(summary),
        };
        emit(ctx.isJson, json, () =>
          [
            `Reference:     ${json.reference}`,
            `Digest:        ${manifest.digest}`,
            `Media type:    ${manifest.mediaType}`,
            `Manifest size: ${formatBytes(manifest.bytes.length)}`,
            ...summaryText(summary),
          ].join('\n'),
        );
      }),
    );
}
