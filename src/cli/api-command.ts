import type { Command } from 'commander';
import type { z } from 'zod';
import { Name, Password, ProjectName } from '../identity/validate.ts';
import { ApiClient } from './api-client.ts';
import { CliContext, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp, type ExitCode } from './exit-codes.ts';
import { emit } from './output.ts';
import { askSecret, readStdin } from './prompt.ts';

/**
 * What the management commands (user, team, project, robot, ip-rule, audit, alert, whoami) share: a command
 * group, leaf commands with --server/--json, help text, name checks before any request, new passwords.
 */

export const API_HELP = `
The server is --server URL or $BERTH_SERVER (e.g. http://127.0.0.1:5000). Requests go to its management API
(/api/v1) with the credentials of "berth login" for that server, or $BERTH_USER/$BERTH_PASSWORD (a user's
password or a robot's secret). Tables are printed for people; --json prints JSON for scripts.`;

const API_MEANINGS: Partial<Record<ExitCode, string>> = {
  [EXIT.FAILURE]: 'the server refused the request (e.g. the name is taken, 409) or answered unexpectedly',
  [EXIT.CONFIG]: 'bad usage: a missing or invalid argument or option, no server, or input the server rejected (400)',
  [EXIT.UNAVAILABLE]: 'the server could not be reached (connection refused, DNS, 502/503/504)',
  [EXIT.DENIED]: 'not signed in, wrong credentials, or not allowed (401/403)',
  [EXIT.NOT_FOUND]: 'the thing named does not exist, or is not visible to the caller (404)',
};

/** The exit codes every management command may end with. */
export const API_EXIT_CODES = [EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND] as const;

export function apiExitCodesHelp(codes: readonly ExitCode[] = API_EXIT_CODES, meanings: Partial<Record<ExitCode, string>> = {}): string {
  return exitCodesHelp(codes, { ...API_MEANINGS, ...meanings });
}

/** A command group (`berth user ...`): usage errors exit 2, and `berth user` alone prints its help. */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.CONFIG))
    .showHelpAfterError();
}

/**
 * A leaf command under `group` with --server and --json; `help` (examples, --json shape) is printed after the
 * options, followed by the server notes and the exit codes.
 */
export function apiCommand(
  group: Command,
  name: string,
  description: string,
  help: string,
  codes: readonly ExitCode[] = API_EXIT_CODES,
  meanings: Partial<Record<ExitCode, string>> = {},
): Command {
  return withConnectionOptions(group.command(name).description(description)).addHelpText('after', `${help}\n${API_HELP}\n${apiExitCodesHelp(codes, meanings)}`);
}

/** Runs a management action: a context from the options, then the API client (no request is made until used). */
export function apiAction<A extends unknown[]>(fn: (ctx: CliContext, api: () => Promise<ApiClient>, ...args: A) => Promise<void>) {
  return runAction(async (...args: unknown[]) => {
    // Commander passes the positional arguments, then the options, then the command itself.
    const opts = args[args.length - 2] as ConnectionOptions;
    const ctx = new CliContext(opts);
    await fn(ctx, () => ApiClient.forContext(ctx), ...(args.slice(0, -1) as A));
  });
}

function checked<S extends z.ZodType<string>>(schema: S, what: string, raw: string): string {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'invalid';
  throw new CliError(`invalid ${what} "${raw.slice(0, 100)}": ${message}`, EXIT.CONFIG);
}

/**
 * `berth <group> delete NAME`: checks NAME with `parse`, sends DELETE to `collection`/NAME, prints
 * `Deleted <noun> NAME` (--json: {"deleted": NAME}).
 */
export function deleteCommand(group: Command, opts: { noun: string; arg: string; description: string; example: string; collection: string; parse: (raw: string) => string }): Command {
  return apiCommand(group, 'delete', opts.description, `
--json prints {"deleted": ${opts.arg}}.
Example: berth ${group.name()} delete ${opts.example}`)
    .argument(opts.arg)
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const name = opts.parse(raw);
        await (await api()).request('DELETE', `${opts.collection}/${seg(name)}`, `delete ${opts.noun} ${name}`);
        emit(ctx.isJson, { deleted: name }, () => `Deleted ${opts.noun} ${name}`);
      }),
    );
}

/** A user, team or robot short name, checked as the server would. Throws CliError(CONFIG). */
export const parseName = (what: 'user name' | 'team name' | 'robot name', raw: string): string => checked(Name, what, raw);

/** A project name (a repository name component). Throws CliError(CONFIG). */
export const parseProject = (raw: string): string => checked(ProjectName, 'project name', raw);

/** Path segment for a name: robot names hold `$` and `+`. */
export const seg = (name: string): string => encodeURIComponent(name);

/**
 * A new password: all of stdin with --password-stdin, else asked twice without echo on a terminal; never an
 * argument (it would show in `ps` and the shell history). Checked against the server's rule before sending.
 */
export async function readNewPassword(opts: { passwordStdin?: boolean }, prompt = 'New password: '): Promise<string> {
  let password: string;
  if (opts.passwordStdin) {
    password = await readStdin();
  } else if (process.stdin.isTTY) {
    password = await askSecret(prompt);
    if ((await askSecret('Repeat it: ')) !== password) throw new CliError('the passwords do not match', EXIT.CONFIG);
  } else {
    throw new CliError('standard input is not a terminal: pass the password with --password-stdin', EXIT.CONFIG);
  }
  const result = Password.safeParse(password);
  if (!result.success) throw new CliError(`the password ${result.error.issues[0]?.message ?? 'is not accepted'}`, EXIT.CONFIG);
  return password;
}

/** `yes`/`no` for boolean table cells. */
export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** A timestamp for a table cell: ISO 8601 to the second. */
export const shortTime = (iso: string | null | undefined): string => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-');
