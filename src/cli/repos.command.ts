import type { Command } from 'commander';
import { parseRegistryHost } from '../oci/image-ref.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { parsePageSize } from './page-size.ts';

export function registerReposCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('repos')
      .argument('[REGISTRY]', 'another registry host[:port] (default: the configured server)')
      .description('list the repositories of a registry (the catalog, every page)')
      .option('--page-size <n>', 'entries asked per request; every page is fetched anyway'),
  )
    .addHelpText('after', `\n--json prints {"registry": HOST, "repositories": [...]}.\n${CONNECTION_HELP}\n${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED])}`)
    .action(
      runAction(async (registry: string | undefined, opts: ConnectionOptions & { pageSize?: string }) => {
        const ctx = new CliContext(opts);
        const client = await ctx.client(registry === undefined ? undefined : parseRegistryHost(registry));
        const n = parsePageSize(opts.pageSize);
        const repositories: string[] = [];
        for await (const repo of client.listPaged(`/v2/_catalog${n ? `?n=${n}` : ''}`, 'repositories', `catalog of ${client.target.host}`)) repositories.push(repo);
        emit(ctx.isJson, { registry: client.target.host, repositories }, () => repositories.join('\n'));
      }),
    );
}
