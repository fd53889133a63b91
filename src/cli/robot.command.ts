import type { Command } from 'commander';
import type { RobotView as Robot, RobotWithSecretView } from '../identity/robot.service.ts';
import type { ApiClient } from './api-client.ts';
import { apiAction, apiCommand, commandGroup, parseName, parseProject, seg, shortTime, yesNo } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';
import { parsePermission, parseRobotRef, type RobotRef } from './robot-ref.ts';
import { parseTimeOption } from './time-option.ts';

interface RobotOptions extends ConnectionOptions {
  project?: string;
  permission?: string[];
  expires?: string;
  description?: string;
  disable?: boolean;
  enable?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const permissionsText = (r: Robot): string => r.permissions.map((p) => `${p.pattern}:${p.actions.join(',')}`).join(' ');
const scopeText = (project: string | null): string => (project === null ? 'system robot' : `robot of project ${project}`);

function robotText(r: Robot): string {
  return formatTable([
    ['name', r.name],
    ['project', r.project ?? '- (system robot)'],
    ['description', r.description || '-'],
    ['permissions', permissionsText(r)],
    ['expires', r.expiresAt ? shortTime(r.expiresAt) : 'never'],
    ['disabled', yesNo(r.isDisabled)],
    ['created', shortTime(r.createdAt)],
  ]);
}

/** The list a robot lives in: its project's, or the system robots. */
const listPath = (project: string | null): string => (project === null ? '/robots' : `/projects/${seg(project)}/robots`);

/** --expires: a duration from now, an ISO date, or (for update) `never`. */
function expiresOption(raw: string | undefined, allowNever: boolean): string | null | undefined {
  if (raw === undefined) return undefined;
  if (allowNever && raw === 'never') return null;
  return parseTimeOption(raw, '--expires', 'future', Date.now());
}

/** The secret is shown once: stdout gets it (in the JSON with --json), stderr the reminder. */
function emitSecret(isJson: boolean, robot: RobotWithSecretView, verb: string): void {
  emit(isJson, robot, () => `${verb} ${robot.name}\nSecret: ${robot.secret}`);
  process.stderr.write(`The secret of ${robot.name} cannot be shown again: store it now ("berth robot regenerate" makes a new one).\n`);
}

async function findRobot(api: ApiClient, ref: RobotRef): Promise<Robot> {
  for await (const robot of api.list<Robot>(listPath(ref.project), `robots of ${ref.project ?? 'the system'}`)) if (robot.name === ref.fullName) return robot;
  throw new CliError(`robot ${ref.fullName}: not found (HTTP 404)`, EXIT.NOT_FOUND);
}

const REF_HELP = `ROBOT is a full name (robot$app+ci, robot$backup; quote the $ in a shell) or a short name: with --project a
project robot, without a system robot.`;

export function registerRobotCommands(program: Command): void {
  const robot = commandGroup(program, 'robot', 'manage robot accounts: machine identities with explicit permissions (CI, deployments)');
  /** A command on one robot: the ROBOT argument and --project for short names. */
  const onRobot = (name: string, description: string, help: string) =>
    apiCommand(robot, name, description, `\n${REF_HELP}${help}`).argument('ROBOT').option('-p, --project <project>', 'the project of a short robot name');

  apiCommand(robot, 'list', "list a project's robots (--project) or the system robots", `
Project robots need the project's owner role; system robots need an admin.
--json prints {"project": PROJECT|null, "robots": [{name, project, description, permissions, expiresAt, isDisabled, createdAt}, ...]}.
Examples:
  berth robot list --project app
  berth robot list`)
    .option('-p, --project <project>', 'the project whose robots to list (default: system robots)')
    .action(
      apiAction(async (ctx, api, opts: RobotOptions) => {
        const project = opts.project === undefined ? null : parseProject(opts.project);
        const robots = await (await api()).all<Robot>(listPath(project), `robots of ${project ?? 'the system'}`);
        emit(ctx.isJson, { project, robots }, () =>
          formatTable([['NAME', 'PERMISSIONS', 'EXPIRES', 'DISABLED', 'DESCRIPTION'], ...robots.map((r) => [r.name, permissionsText(r), r.expiresAt ? shortTime(r.expiresAt) : 'never', yesNo(r.isDisabled), r.description])]));
      }),
    );

  apiCommand(robot, 'create', 'create a robot and print its secret (once)', `
--permission PATTERN:ACTIONS (repeatable, at least one): PATTERN is a repository glob including the project
("app/**", "app/web"; "*" one component, "**" any number), ACTIONS a comma list of pull, push, delete, catalog
(system robots on "**" only) and manage-tag-rules, manage-retention, manage-members, manage-settings,
manage-robots. A project robot's patterns start with its project.
--expires takes a duration from now (30d, 12h, 2w) or an ISO date; without it the robot never expires.
The secret is printed once and cannot be shown again; it signs in as the robot's full name (e.g. with
BERTH_USER='robot$app+ci' BERTH_PASSWORD=SECRET, or "docker login").
--json prints {name, project, description, permissions, expiresAt, isDisabled, createdAt, secret}.
Examples:
  berth robot create ci --project app --permission 'app/**:pull,push' --expires 90d --description 'CI pipeline'
  berth robot create mirror --permission '**:pull,catalog'`)
    .argument('NAME', 'short name: 1-64 characters of a-z, 0-9, ".", "_", "-"')
    .option('-p, --project <project>', 'create a robot of this project (default: a system robot)')
    .option('--permission <pattern:actions>', 'a permission, repeatable', collect)
    .option('--expires <when>', 'expiry: duration from now or ISO date')
    .option('--description <text>', 'what the robot is for')
    .action(
      apiAction(async (ctx, api, raw: string, opts: RobotOptions) => {
        const name = parseName('robot name', raw);
        const project = opts.project === undefined ? null : parseProject(opts.project);
        const permissions = (opts.permission ?? []).map(parsePermission);
        if (permissions.length === 0) throw new CliError("give at least one --permission PATTERN:ACTIONS, e.g. 'app/**:pull,push'", EXIT.CONFIG);
        const expiresAt = expiresOption(opts.expires, false) ?? null;
        const body = { name, permissions, expiresAt, ...(opts.description !== undefined ? { description: opts.description } : {}) };
        const created = await (await api()).request<RobotWithSecretView>('POST', listPath(project), `create ${scopeText(project)} ${name}`, { body });
        emitSecret(ctx.isJson, created, 'Created robot');
      }),
    );

  onRobot('show', 'show one robot', `
--json prints {name, project, description, permissions, expiresAt, isDisabled, createdAt}.
Examples:
  berth robot show ci --project app
  berth robot show 'robot$backup'`)
    .action(
      apiAction(async (ctx, api, raw: string, opts: RobotOptions) => {
        const found = await findRobot(await api(), parseRobotRef(raw, opts.project));
        emit(ctx.isJson, found, () => robotText(found));
      }),
    );

  onRobot('update', "change a robot's permissions, expiry, description or disabled flag", `
--permission (repeatable) replaces the whole permission list. --expires takes a duration, an ISO date or "never".
--json prints the updated robot.
Examples:
  berth robot update ci --project app --permission 'app/**:pull' --expires 30d
  berth robot update 'robot$backup' --disable`)
    .option('--permission <pattern:actions>', 'a permission, repeatable: replaces the list', collect)
    .option('--expires <when>', 'expiry: duration from now, ISO date, or never')
    .option('--description <text>', 'what the robot is for')
    .option('--disable', 'stop the robot from signing in')
    .option('--enable', 'let it sign in again')
    .action(
      apiAction(async (ctx, api, raw: string, opts: RobotOptions) => {
        const ref = parseRobotRef(raw, opts.project);
        if (opts.disable && opts.enable) throw new CliError('give --disable or --enable, not both', EXIT.CONFIG);
        const expiresAt = expiresOption(opts.expires, true);
        const body = {
          ...(opts.permission !== undefined ? { permissions: opts.permission.map(parsePermission) } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          ...(opts.disable || opts.enable ? { isDisabled: opts.disable === true } : {}),
        };
        if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --permission, --expires, --description, --disable or --enable', EXIT.CONFIG);
        const updated = await (await api()).request<Robot>('PATCH', `/robots/${seg(ref.fullName)}`, `update robot ${ref.fullName}`, { body });
        emit(ctx.isJson, updated, () => `Updated robot ${updated.name}\n${robotText(updated)}`);
      }),
    );

  onRobot('delete', 'delete a robot and its IP rules', `
--json prints {"deleted": FULL_NAME}.
Example: berth robot delete ci --project app`)
    .action(
      apiAction(async (ctx, api, raw: string, opts: RobotOptions) => {
        const ref = parseRobotRef(raw, opts.project);
        await (await api()).request('DELETE', `/robots/${seg(ref.fullName)}`, `delete robot ${ref.fullName}`);
        emit(ctx.isJson, { deleted: ref.fullName }, () => `Deleted robot ${ref.fullName}`);
      }),
    );

  onRobot('regenerate', "replace a robot's secret and print the new one (once)", `
The old secret stops working at once.
--json prints the robot with its new "secret".
Example: berth robot regenerate ci --project app`)
    .action(
      apiAction(async (ctx, api, raw: string, opts: RobotOptions) => {
        const ref = parseRobotRef(raw, opts.project);
        const robotWithSecret = await (await api()).request<RobotWithSecretView>('POST', `/robots/${seg(ref.fullName)}/secret`, `regenerate the secret of ${ref.fullName}`);
        emitSecret(ctx.isJson, robotWithSecret, 'New secret for robot');
      }),
    );
}
