import type { Command } from 'commander';
import { formatRepositoryRef, parseRepositoryRef } from '../oci/image-ref.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { parsePageSize } from './page-size.ts';

export function registerTagsCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('tags')
      .argument('REPO', 'project/repo, or host[:port]/name on another registry')
      .description('list the tags of a repository (every page)')
      .option('--page-size <n>', 'entries asked per request; every page is fetched anyway'),
  )
    .addHelpText('after', `\n--json prints {"registry": HOST, "repository": NAME, "tags": [...]}.\n${CONNECTION_HELP}\n${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND])}`)
    .action(
      runAction(async (raw: string, opts: ConnectionOptions & { pageSize?: string }) => {
        const ctx = new CliContext(opts);
        const ref = ctx.resolve(parseRepositoryRef(raw));
        const client = await ctx.client(ref.registry);
        const n = parsePageSize(opts.pageSize);
        const tags: string[] = [];
        for await (const tag of client.listPaged(`/v2/${ref.repository}/tags/list${n ? `?n=${n}` : ''}`, 'tags', `tags of ${formatRepositoryRef(ref)}`)) tags.push(tag);
        emit(ctx.isJson, { registry: ref.registry, repository: ref.repository, tags }, () => tags.join('\n'));
      }),
    );
}
