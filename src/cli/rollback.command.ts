import type { Command } from 'commander';
import { apiAction, apiCommand } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit } from './output.ts';
import { formatMove, MOVE_MEANINGS, parseTagRef, parseToDigest, type TagMoveView } from './tag.command.ts';

export function registerRollbackCommand(program: Command): void {
  apiCommand(program, 'rollback', 'move a tag back to its previous digest, --steps N back, or --to a digest it pointed at before', `
The move is atomic: it happens only if the tag still points where it did when the server chose the target, so
two rollbacks at once never interleave (the second fails with 409 and changes nothing). Repeated rollbacks keep
going back through the tag's earlier digests. Tag rules apply (an immutable tag is never moved); the move is
recorded in the tag history (how "rollback") and audited.
--json prints {"repository", "tag", "from", "to", "warnings"}.
Examples:
  berth rollback acme/api:prod
  berth rollback acme/api:prod --steps 2
  berth rollback acme/api:prod --to sha256:...`, undefined, MOVE_MEANINGS)
    .argument('REPO:TAG')
    .option('--to <DIGEST>', 'a digest from the tag history')
    .option('--steps <N>', 'how many digests back (default 1)')
    .action(
      apiAction(async (ctx, api, raw: string, opts: ConnectionOptions & { to?: string; steps?: string }) => {
        const ref = parseTagRef(ctx, raw);
        const to = parseToDigest(opts.to);
        const steps = opts.steps === undefined ? undefined : Number(opts.steps);
        if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= 1000)) throw new CliError(`invalid --steps "${opts.steps}": must be a whole number from 1 to 1000`, EXIT.CONFIG);
        if (to !== undefined && steps !== undefined) throw new CliError('give either --to or --steps, not both', EXIT.CONFIG);
        const body = to !== undefined ? { to } : steps !== undefined ? { steps } : {};
        const moved = await (await api()).request<TagMoveView>('POST', `${ref.path}/rollback`, `roll back ${ref.repo}:${ref.tag}`, { body });
        emit(ctx.isJson, moved, () => formatMove('Rolled back', moved));
      }),
    );
}
