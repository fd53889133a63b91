import type { Command } from 'commander';
import { CliContext, CONNECTION_HELP, parseServer, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { ask, askSecret, readStdin } from './prompt.ts';
import { RegistryClient, type RegistryTarget } from './registry-client.ts';

interface LoginOptions extends ConnectionOptions {
  username?: string;
  passwordStdin?: boolean;
}

/** SERVER as given (URL or host[:port]), else the configured server. */
export function loginTarget(ctx: CliContext, server: string | undefined): RegistryTarget {
  if (server === undefined) return ctx.requireServer();
  const target = parseServer(server);
  return ctx.server?.host === target.host ? ctx.server : target;
}

export function registerLoginCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('login')
      .argument('[SERVER]', 'registry URL or host[:port] (default: the configured server)')
      .description('verify credentials against a registry (GET /v2/) and save them')
      .option('-u, --username <name>', 'user name (asked on a terminal when missing)')
      .option('--password-stdin', 'read the password from standard input (for scripts)'),
  )
    .addHelpText(
      'after',
      `
The password is asked without echo on a terminal; in scripts use --username and --password-stdin.
Credentials are saved in $XDG_CONFIG_HOME/berth/credentials.json (default ~/.config/berth), mode 0600,
only after the registry accepted them. They are never printed.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED], { [EXIT.DENIED]: 'the registry refused the credentials (nothing is saved)' })}`,
    )
    .action(
      runAction(async (server: string | undefined, opts: LoginOptions) => {
        const ctx = new CliContext(opts);
        const target = loginTarget(ctx, server);
        const isTerminal = process.stdin.isTTY === true;
        const username = opts.username ?? (isTerminal && !opts.passwordStdin ? await ask('Username: ') : undefined);
        if (!username) throw new CliError('a user name is needed: pass --username (with --password-stdin in scripts)', EXIT.CONFIG);
        let password: string;
        if (opts.passwordStdin) password = await readStdin();
        else if (isTerminal) password = await askSecret('Password: ');
        else throw new CliError('standard input is not a terminal: pass the password with --password-stdin', EXIT.CONFIG);
        if (password === '') throw new CliError('the password is empty', EXIT.CONFIG);

        const client = new RegistryClient(target, { username, password });
        try {
          await client.ping();
        } catch (err) {
          if (err instanceof CliError && err.exitCode === EXIT.DENIED) {
            throw new CliError(`login to ${target.host} failed: the registry refused the credentials for ${username}`, EXIT.DENIED);
          }
          throw err;
        }
        await ctx.store.set(target.host, { username, password });
        emit(ctx.isJson, { server: target.host, username, credentialsFile: ctx.store.path }, () => `Login succeeded: ${username} at ${target.host} (saved in ${ctx.store.path})`);
      }),
    );
}
