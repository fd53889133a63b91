import type { Command } from 'commander';
import type { UserView as User } from '../identity/user.service.ts';
import { apiAction, apiCommand, commandGroup, deleteCommand, parseName, readNewPassword, seg, shortTime, yesNo } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

interface PasswordOptions extends ConnectionOptions {
  passwordStdin?: boolean;
}

interface UpdateOptions extends PasswordOptions {
  admin?: boolean;
  disable?: boolean;
  enable?: boolean;
}

const userTable = (users: readonly User[]): string =>
  formatTable([['USERNAME', 'ADMIN', 'DISABLED', 'CREATED'], ...users.map((u) => [u.username, yesNo(u.isAdmin), yesNo(u.isDisabled), shortTime(u.createdAt)])]);

const userText = (u: User): string =>
  formatTable([['username', u.username], ['admin', yesNo(u.isAdmin)], ['disabled', yesNo(u.isDisabled)], ['created', shortTime(u.createdAt)], ['updated', shortTime(u.updatedAt)]]);

const PASSWORD_HELP = 'The password is asked twice without echo on a terminal; scripts pipe it in with --password-stdin. It is never an argument and never printed.';

export function registerUserCommands(program: Command): void {
  const user = commandGroup(program, 'user', 'manage user accounts (admins), and change your own password');

  apiCommand(user, 'list', 'list every user', `
--json prints {"users": [{username, isAdmin, isDisabled, createdAt, updatedAt}, ...]}.
Example: berth user list`).action(
    apiAction(async (ctx, api, _opts: ConnectionOptions) => {
      const users = await (await api()).all<User>('/users', 'list users');
      emit(ctx.isJson, { users }, () => userTable(users));
    }),
  );

  apiCommand(user, 'create', 'create a user account', `
${PASSWORD_HELP} Passwords have at least 8 characters.
--json prints the new user {username, isAdmin, isDisabled, createdAt, updatedAt}.
Examples:
  berth user create alice
  printf '%s' "$PASSWORD" | berth user create ci-admin --admin --password-stdin`)
    .argument('USERNAME', '1-64 characters of a-z, 0-9, ".", "_", "-"')
    .option('--admin', 'make the user a system administrator')
    .option('--password-stdin', 'read the password from standard input')
    .action(
      apiAction(async (ctx, api, raw: string, opts: PasswordOptions & { admin?: boolean }) => {
        const username = parseName('user name', raw);
        const password = await readNewPassword(opts);
        const created = await (await api()).request<User>('POST', '/users', `create user ${username}`, { body: { username, password, isAdmin: opts.admin === true } });
        emit(ctx.isJson, created, () => `Created user ${created.username}${created.isAdmin ? ' (administrator)' : ''}`);
      }),
    );

  apiCommand(user, 'show', 'show one user', `
--json prints {username, isAdmin, isDisabled, createdAt, updatedAt}.
Example: berth user show alice`)
    .argument('USERNAME')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const username = parseName('user name', raw);
        const found = await (await api()).request<User>('GET', `/users/${seg(username)}`, `user ${username}`);
        emit(ctx.isJson, found, () => userText(found));
      }),
    );

  apiCommand(user, 'update', "change a user's admin flag, disabled flag or password", `
Give at least one change. A disabled user cannot sign in (their saved tokens stop working too).
${PASSWORD_HELP}
--json prints the updated user.
Examples:
  berth user update alice --admin
  berth user update bob --disable
  printf '%s' "$NEW" | berth user update bob --password-stdin`)
    .argument('USERNAME')
    .option('--admin', 'make the user an administrator')
    .option('--no-admin', 'take administrator rights away')
    .option('--disable', 'disable the account')
    .option('--enable', 'enable the account again')
    .option('--password-stdin', 'set a new password read from standard input')
    .action(
      apiAction(async (ctx, api, raw: string, opts: UpdateOptions) => {
        const username = parseName('user name', raw);
        if (opts.disable && opts.enable) throw new CliError('give --disable or --enable, not both', EXIT.CONFIG);
        const body: Record<string, unknown> = {};
        if (opts.admin !== undefined) body.isAdmin = opts.admin;
        if (opts.disable || opts.enable) body.isDisabled = opts.disable === true;
        if (opts.passwordStdin) body.password = await readNewPassword(opts);
        if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --admin, --no-admin, --disable, --enable or --password-stdin', EXIT.CONFIG);
        const updated = await (await api()).request<User>('PATCH', `/users/${seg(username)}`, `update user ${username}`, { body });
        emit(ctx.isJson, updated, () => `Updated user ${updated.username}\n${userText(updated)}`);
      }),
    );

  deleteCommand(user, { noun: 'user', arg: 'USERNAME', description: 'delete a user account and its grants', example: 'bob', collection: '/users', parse: (raw) => parseName('user name', raw) });

  apiCommand(user, 'passwd', 'change your own password', `
The current password is the one you are signed in with (the saved login, or $BERTH_PASSWORD); the new one is
asked twice on a terminal or read with --password-stdin. A saved login is updated to the new password; with
$BERTH_PASSWORD, change the variable yourself.
--json prints {"username": NAME, "savedLoginUpdated": true|false}.
Examples:
  berth user passwd
  printf '%s' "$NEW" | berth user passwd --password-stdin`)
    .option('--password-stdin', 'read the new password from standard input')
    .action(
      apiAction(async (ctx, api, opts: PasswordOptions) => {
        const client = await api();
        const host = client.target.host;
        const current = await ctx.credentials(host);
        if (!current) throw new CliError(`not signed in to ${host}: log in with "berth login" or set BERTH_USER/BERTH_PASSWORD`, EXIT.DENIED);
        const newPassword = await readNewPassword(opts);
        await client.request('PUT', '/me/password', 'change password', { body: { currentPassword: current.password, newPassword } });
        const saved = await ctx.store.get(host);
        const savedLoginUpdated = saved !== undefined && saved.username === current.username && saved.password === current.password;
        if (savedLoginUpdated) await ctx.store.set(host, { username: current.username, password: newPassword });
        emit(ctx.isJson, { username: current.username, savedLoginUpdated }, () =>
          `Changed the password of ${current.username}${savedLoginUpdated ? ' (saved login updated)' : ''}`);
      }),
    );
}
