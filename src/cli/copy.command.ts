import type { Command } from 'commander';
import { formatImageRef, manifestReference, parseImageRef } from '../oci/image-ref.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { ImageCopier } from './image-copy.ts';
import { emit, formatBytes } from './output.ts';
import { createProgress } from './progress.ts';

export function registerCopyCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('copy')
      .argument('SRC', 'source image: project/repo[:tag|@digest] or host[:port]/name[:tag|@digest]')
      .argument('DST', 'destination: project/repo[:tag] or host[:port]/name[:tag] (tag defaults to latest)')
      .description('copy an image or a multi-arch index between repositories or registries'),
  )
    .addHelpText(
      'after',
      `
Blobs stream from source to destination; blobs the destination already has are skipped, and on the same
registry they are mounted from the source repository. Manifests keep their exact bytes, so digests do not
change. A DST with @digest must name the source's digest. Progress is shown when stderr is a terminal.
Signatures, attestations and SBOMs come along: the OCI 1.1 referrers of the image and of each child (through
the referrers API or its tag-schema fallback; added to the fallback index on a destination without the API)
and cosign's sha256-<hex>.sig/.att/.sbom tags, so the copy verifies like the original.
--json prints {source, destination, digest, mediaType, manifests, blobs: {copied, mounted, skipped},
bytesCopied, trust: {referrers, tags}}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND])}`,
    )
    .action(
      runAction(async (rawSrc: string, rawDst: string, opts: ConnectionOptions) => {
        const ctx = new CliContext(opts);
        const src = ctx.resolve(parseImageRef(rawSrc));
        const dst = ctx.resolve(parseImageRef(rawDst));
        const srcClient = await ctx.client(src.registry);
        const dstClient = await ctx.client(dst.registry);
        const copier = new ImageCopier({ client: srcClient, repo: src.repository }, { client: dstClient, repo: dst.repository }, createProgress());
        const report = await copier.copy(manifestReference(src), dst.tag ?? manifestReference(dst));
        if (dst.digest && dst.digest !== report.digest) {
          throw new CliError(`the destination names ${dst.digest} but the source image is ${report.digest}`, EXIT.CONFIG);
        }
        const { blobs } = report;
        emit(ctx.isJson, { source: formatImageRef(src), destination: formatImageRef(dst), ...report }, () =>
          [
            `Copied ${formatImageRef(src)} to ${formatImageRef(dst)}`,
            `Digest: ${report.digest} (${report.mediaType})`,
            `${report.manifests} manifest(s); blobs: ${blobs.copied} copied (${formatBytes(report.bytesCopied)}), ${blobs.mounted} mounted, ${blobs.skipped} already present`,
            `Trust: ${report.trust.referrers} referrer(s), ${report.trust.tags} cosign tag(s) (signatures, attestations, SBOMs)`,
          ].join('\n'),
        );
      }),
    );
}
