import type { Command } from 'commander';
import { analysisText, fileTreeText } from './analysis-text.ts';
import { analyzeImage } from '../analyze/analyze-image.ts';
import type { AnalysisProgress } from '../analyze/analysis.types.ts';
import { parseSourceReference } from '../analyze/source-reference.ts';
import { isBerthError } from '../errors/berth-error.ts';
import { dockerArchiveSource } from '../image/docker-archive.source.ts';
import type { PlatformChoice } from '../image/image-resolve.ts';
import type { ImageSource } from '../image/image-source.ts';
import { ociLayoutSource } from '../image/oci-layout.source.ts';
import { RegistrySource } from '../image/registry.source.ts';
import { parseImageRef } from '../oci/image-ref.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit, formatBytes } from './output.ts';

interface AnalyzeCliOptions extends ConnectionOptions {
  platform?: string;
  files?: boolean;
  failOnSecrets?: boolean;
}

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN']);
const BAD_IMAGE_CODES = new Set(['IMAGE_INVALID', 'IMAGE_LIMIT_EXCEEDED', 'DIGEST_INVALID', 'MANIFEST_INVALID']);

export function parsePlatform(raw: string | undefined): PlatformChoice | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'all') return 'all';
  const [os, architecture, variant, extra] = raw.split('/');
  if (!os || !architecture || extra !== undefined) throw new CliError(`invalid --platform "${raw}": use os/arch[/variant] (linux/arm64/v8) or all`, EXIT.CONFIG);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** Errors of local sources and of reading the image, as exit codes: missing is 5, unreadable 4, corrupt 1. */
export function describeLocal(err: unknown, what: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new CliError(`${what}: no such file or directory`, EXIT.NOT_FOUND);
  if (code === 'EACCES' || code === 'EPERM') return new CliError(`${what}: permission denied`, EXIT.DENIED);
  if (isBerthError(err) && NOT_FOUND_CODES.has(err.code)) return new CliError(err.message, EXIT.NOT_FOUND, { cause: err });
  if (isBerthError(err) && BAD_IMAGE_CODES.has(err.code)) return new CliError(err.message, EXIT.FAILURE, { cause: err });
  return err;
}

export async function openSource(raw: string, ctx: CliContext): Promise<ImageSource> {
  const ref = parseSourceReference(raw);
  if (ref.transport === 'oci') return ociLayoutSource(ref.dir, ref.tag);
  if (ref.transport === 'docker-archive') return dockerArchiveSource(ref.path, ref.tag);
  const image = ctx.resolve(parseImageRef(ref.reference));
  return new RegistrySource(await ctx.client(image.registry), image);
}

/** One progress line on a terminal, redrawn in place; nothing when stderr is piped. */
function progressLine(out: NodeJS.WriteStream = process.stderr): ((p: AnalysisProgress) => void) | undefined {
  if (!out.isTTY) return undefined;
  return (p) => {
    const image = p.imageCount > 1 ? `image ${p.imageIndex + 1}/${p.imageCount} ` : '';
    const layer = p.layerIndex < p.layerCount ? `layer ${p.layerIndex + 1}/${p.layerCount}` : `${p.layerCount} layers`;
    out.write(`\r\x1b[K${image}${layer}  ${formatBytes(p.compressedBytesRead)} / ${formatBytes(p.compressedBytesTotal)}`);
    if (p.layerIndex === p.layerCount) out.write(`  done\n`);
  };
}

export function registerAnalyzeCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('analyze')
      .argument('IMAGE', 'project/repo[:tag|@digest], host[:port]/name[:tag|@digest], oci:DIR[:TAG] or docker-archive:PATH[:TAG]')
      .description('analyse an image: layers and history, files per layer, wasted space, base image, secrets and advice')
      .option('--platform <os/arch[/variant]|all>', 'the image of an index to analyse, or all of them (default linux/amd64)')
      .option('--files', 'also print the final filesystem as a tree')
      .option('--fail-on-secrets', 'exit 1 when a secret or private key is found in any layer'),
  )
    .addHelpText(
      'after',
      `
IMAGE is read where it lives: a registry (Berth or any other, with the credentials of "berth login"), an OCI
image layout directory (oci:DIR[:TAG]) or a "docker save" tarball (docker-archive:PATH[:TAG]), as skopeo names
them. Each layer is streamed once. Progress is shown when stderr is a terminal.

The report shows each layer (sizes, compression, the history line that made it, files added/modified/deleted),
the final filesystem, the efficiency score (the share of file bytes that reach the final filesystem, with
dive's score beside it), duplicated files, the base image, secrets committed into any layer (even deleted
later) and advice with the bytes each change would save. --files prints the final filesystem tree.
--json prints the whole analysis {schemaVersion, source, digest, mediaType, images: [{layers, history, totals,
finalFiles, waste, base, runConfig, packages, secrets, advice, issues}]}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], {
  [EXIT.OK]: 'analysed (secrets found exit 0 unless --fail-on-secrets)',
  [EXIT.FAILURE]: 'secrets found with --fail-on-secrets; or the image could not be read (corrupt, over a limit), or the registry refused',
  [EXIT.DENIED]: 'authentication failed or access was denied (401/403), or the local file is not readable',
  [EXIT.NOT_FOUND]: 'the image, tag, digest, directory or archive does not exist',
})}`,
    )
    .action(
      runAction(async (raw: string, opts: AnalyzeCliOptions) => {
        const ctx = new CliContext(opts);
        const platform = parsePlatform(opts.platform);
        let analysis;
        try {
          const source = await openSource(raw, ctx);
          const onProgress = progressLine();
          analysis = await analyzeImage(source, { ...(platform ? { platform } : {}), ...(onProgress ? { onProgress } : {}) });
        } catch (err) {
          throw describeLocal(err, raw);
        }
        emit(ctx.isJson, analysis, () => analysisText(analysis) + (opts.files ? analysis.images.map((i) => `\nFinal filesystem${analysis.images.length > 1 ? ` (${i.platform?.os}/${i.platform?.architecture}${i.platform?.variant ? `/${i.platform.variant}` : ''})` : ''}:\n${fileTreeText(i.finalFiles)}`).join('') : ''));
        const secrets = analysis.images.reduce((n, i) => n + i.secrets.length, 0);
        if (opts.failOnSecrets && secrets > 0) throw new CliError(`${secrets} secret(s) found (--fail-on-secrets)`, EXIT.FAILURE);
      }),
    );
}
