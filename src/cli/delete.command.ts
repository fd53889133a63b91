import type { Command } from 'commander';
import { formatImageRef, hasExplicitReference, parseImageRef } from '../oci/image-ref.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';

export function registerDeleteCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('delete')
      .argument('IMAGE', 'project/repo:tag (deletes only the tag) or project/repo@digest (deletes the manifest)')
      .description('delete a tag, or a manifest by digest'),
  )
    .addHelpText(
      'after',
      `
The tag or digest must be written out: "berth delete project/repo" does not mean :latest here.
Deleting a tag leaves the manifest and its other tags; deleting a digest removes the manifest and every tag
pointing at it (a registry may refuse while an index still lists it).
--json prints {"deleted": "tag"|"manifest", registry, repository, reference}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND])}`,
    )
    .action(
      runAction(async (raw: string, opts: ConnectionOptions) => {
        const ctx = new CliContext(opts);
        if (!hasExplicitReference(raw)) throw new CliError(`name the tag or digest to delete: ${raw}:TAG or ${raw}@DIGEST`, EXIT.CONFIG);
        const ref = ctx.resolve(parseImageRef(raw));
        if (ref.tag && ref.digest) throw new CliError('give a tag or a digest to delete, not both', EXIT.CONFIG);
        const client = await ctx.client(ref.registry);
        const reference = (ref.digest ?? ref.tag)!;
        try {
          await client.deleteManifest(ref.repository, reference);
        } catch (err) {
          // Distribution 2.x answers a tag DELETE with 400/405: say so rather than leave a puzzling code.
          if (err instanceof CliError && err.exitCode === EXIT.FAILURE && !ref.digest) {
            throw new CliError(`${err.message}; this registry may not delete tags alone (deleting the digest removes every tag of it)`, EXIT.FAILURE);
          }
          throw err;
        }
        const deleted = ref.digest ? 'manifest' : 'tag';
        emit(ctx.isJson, { deleted, registry: ref.registry, repository: ref.repository, reference }, () => `Deleted ${deleted} ${formatImageRef(ref)}`);
      }),
    );
}
