import type { Command } from 'commander';
import { formatImageRef, parseImageRef } from '../oci/image-ref.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit, formatBytes, formatTable } from './output.ts';

export function registerReferrersCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('referrers')
      .argument('IMAGE', 'the subject: project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]')
      .description('list the artifacts (signatures, SBOMs, ...) that refer to an image')
      .option('--artifact-type <type>', 'only referrers of this artifact type'),
  )
    .addHelpText(
      'after',
      `
Uses the OCI 1.1 referrers API; on a registry without it, the tag-schema fallback index (sha256-<hex>).
--json prints {subject: {registry, repository, digest}, referrers: [{digest, mediaType, artifactType, size,
annotations}]}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], { [EXIT.NOT_FOUND]: 'the subject image does not exist (404)' })}`,
    )
    .action(
      runAction(async (raw: string, opts: ConnectionOptions & { artifactType?: string }) => {
        const ctx = new CliContext(opts);
        const ref = ctx.resolve(parseImageRef(raw));
        const client = await ctx.client(ref.registry);
        const reference = (ref.digest ?? ref.tag)!;
        const digest = await client.manifestDigest(ref.repository, reference);
        if (!digest) throw new CliError(`${formatImageRef(ref)}: manifest unknown`, EXIT.NOT_FOUND);
        const { manifests } = await client.referrers(ref.repository, digest, opts.artifactType);
        const referrers = manifests.map((d) => ({
          digest: d.digest,
          mediaType: d.mediaType,
          ...(d.artifactType ? { artifactType: d.artifactType } : {}),
          size: d.size,
          ...(d.annotations ? { annotations: d.annotations } : {}),
        }));
        emit(ctx.isJson, { subject: { registry: ref.registry, repository: ref.repository, digest }, referrers }, () =>
          referrers.length === 0
            ? `No referrers of ${ref.repository}@${digest}`
            : formatTable([['DIGEST', 'ARTIFACT TYPE', 'SIZE'], ...referrers.map((r) => [r.digest, r.artifactType ?? '-', formatBytes(r.size)])]),
        );
      }),
    );
}
