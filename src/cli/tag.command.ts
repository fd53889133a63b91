import type { Command } from 'commander';
import { BerthError } from '../errors/berth-error.ts';
import { parseImageRef } from '../oci/image-ref.ts';
import { parseDigest, type Digest } from '../oci/digest.ts';
import { apiAction, apiCommand, commandGroup, shortTime } from './api-command.ts';
import type { CliContext, ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

/** A move of a tag as the API answers it. */
export interface TagMoveView {
  repository: string;
  tag: string;
  from: string | null;
  to: string;
  warnings: string[];
}

/** One entry of a tag's history as the API answers it. */
export interface HistoryItem {
  id: number;
  from: string | null;
  to: string | null;
  how: string;
  actor: string;
  at: string;
}

/**
 * `project/repo:tag` on the configured server (a `host[:port]/` in front must name that server). The tag is
 * required: these commands move or read one tag, never `latest` by default. Throws CliError(CONFIG).
 */
export function parseTagRef(ctx: CliContext, raw: string): { repo: string; tag: string; path: string } {
  let ref;
  try {
    ref = parseImageRef(raw);
  } catch (err) {
    throw new CliError(err instanceof BerthError ? err.message : String(err), EXIT.CONFIG);
  }
  if (ref.digest !== undefined || !/:[^/]+$/.test(raw)) throw new CliError(`"${raw.slice(0, 200)}": name one tag, as REPO:TAG (no digest)`, EXIT.CONFIG);
  if (ref.registry !== undefined && ref.registry !== ctx.requireServer().host) {
    throw new CliError(`"${raw.slice(0, 200)}" is on ${ref.registry}, not on the server ${ctx.requireServer().host}: tag history lives on the Berth server`, EXIT.CONFIG);
  }
  return { repo: ref.repository, tag: ref.tag!, path: `/repositories/${encodeURIComponent(ref.repository)}/tags/${ref.tag}` };
}

/** A `--to` digest, checked before any request. Throws CliError(CONFIG). */
export function parseToDigest(raw: string | undefined): Digest | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseDigest(raw);
  } catch {
    throw new CliError(`invalid --to "${raw.slice(0, 200)}": must be a digest like sha256:<64 hex>`, EXIT.CONFIG);
  }
}

/** `Moved repo:tag from X to Y` plus any tag-rule warnings. */
export function formatMove(verb: string, v: TagMoveView): string {
  const lines = [`${verb} ${v.repository}:${v.tag}${v.from ? ` from ${v.from}` : ''} to ${v.to}`];
  for (const w of v.warnings) lines.push(`Warning: ${w}`);
  return lines.join('\n');
}

export const MOVE_MEANINGS = {
  [EXIT.FAILURE]: 'refused: the tag moved meanwhile or already exists (409), or the server answered unexpectedly',
  [EXIT.CONFIG]: 'bad usage, or a digest or step count the tag history does not allow (400)',
  [EXIT.DENIED]: 'not signed in, no push permission, or a tag rule (immutable tag) refused the move (401/403)',
  [EXIT.NOT_FOUND]: 'no such repository or tag, or the content is no longer stored (deleted or garbage-collected) (404)',
};

export function registerTagCommands(program: Command): void {
  const tag = commandGroup(program, 'tag', 'tag history and restoring deleted tags (see also: berth rollback)');

  apiCommand(tag, 'history', 'list the moves of a tag, newest first: from and to digests, how, who and when', `
HOW is push, delete, promotion, rollback, restore or retention. FROM "-" means the tag was created, TO "-"
that it was deleted.
--json prints {"repository", "tag", "items": [{"id", "from", "to", "how", "actor", "at"}]}.
Examples:
  berth tag history acme/api:prod
  berth tag history acme/api:prod --limit 5 --json`)
    .argument('REPO:TAG')
    .option('--limit <N>', 'only the N most recent moves')
    .action(
      apiAction(async (ctx, api, raw: string, opts: ConnectionOptions & { limit?: string }) => {
        const ref = parseTagRef(ctx, raw);
        const max = opts.limit === undefined ? undefined : Number(opts.limit);
        if (max !== undefined && !(Number.isInteger(max) && max >= 1)) throw new CliError(`invalid --limit "${opts.limit}": must be a whole number of 1 or more`, EXIT.CONFIG);
        const items = await (await api()).all<HistoryItem>(`${ref.path}/history`, `history of ${ref.repo}:${ref.tag}`, max === undefined ? {} : { max });
        emit(ctx.isJson, { repository: ref.repo, tag: ref.tag, items }, () =>
          formatTable([['AT', 'HOW', 'ACTOR', 'FROM', 'TO'], ...items.map((m) => [shortTime(m.at), m.how, m.actor, m.from ?? '-', m.to ?? '-'])]));
      }),
    );

  apiCommand(tag, 'restore', 'bring back a deleted tag: to the digest it pointed at when deleted, or --to one from its history', `
The manifest must still be stored in the repository: within versions.historyWindow (default 30 days) garbage
collection and retention keep it; a manifest deleted by digest is gone.
--json prints {"repository", "tag", "from": null, "to", "warnings"}.
Examples:
  berth tag restore acme/api:v1.2.0
  berth tag restore acme/api:v1.2.0 --to sha256:...`, undefined, MOVE_MEANINGS)
    .argument('REPO:TAG')
    .option('--to <DIGEST>', 'a digest from the tag history instead of the last one')
    .action(
      apiAction(async (ctx, api, raw: string, opts: ConnectionOptions & { to?: string }) => {
        const ref = parseTagRef(ctx, raw);
        const to = parseToDigest(opts.to);
        const moved = await (await api()).request<TagMoveView>('POST', `${ref.path}/restore`, `restore ${ref.repo}:${ref.tag}`, { body: to ? { to } : {} });
        emit(ctx.isJson, moved, () => formatMove('Restored', moved));
      }),
    );
}
