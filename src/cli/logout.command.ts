import type { Command } from 'commander';
import { CliContext, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { loginTarget } from './login.command.ts';
import { emit } from './output.ts';

export function registerLogoutCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('logout')
      .argument('[SERVER]', 'registry URL or host[:port] (default: the configured server)')
      .description('forget the saved credentials for a registry'),
  )
    .addHelpText('after', `\nSucceeds also when there was no saved login ("removed": false in --json).\n${exitCodesHelp([EXIT.OK, EXIT.CONFIG])}`)
    .action(
      runAction(async (server: string | undefined, opts: ConnectionOptions) => {
        const ctx = new CliContext(opts);
        const target = loginTarget(ctx, server);
        const removed = await ctx.store.remove(target.host);
        emit(ctx.isJson, { server: target.host, removed }, () => (removed ? `Removed the login for ${target.host}` : `Not logged in to ${target.host}`));
      }),
    );
}
