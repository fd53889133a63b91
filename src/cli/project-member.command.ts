import type { Command } from 'commander';
import type { MemberView as Member } from '../identity/member.service.ts';
import { parseRepoPattern } from '../auth/repo-pattern.ts';
import { apiAction, apiCommand, parseName, parseProject, seg, shortTime } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

interface SubjectOptions extends ConnectionOptions {
  user?: string;
  team?: string;
  role?: string;
  pattern?: string;
}

const ROLES = ['guest', 'developer', 'maintainer', 'owner'] as const;

/** --user or --team (exactly one), checked. Throws CliError(CONFIG). */
function subjectOf(opts: SubjectOptions): { kind: 'user' | 'team'; name: string } {
  if ((opts.user === undefined) === (opts.team === undefined)) throw new CliError('give exactly one of --user NAME or --team NAME', EXIT.CONFIG);
  return opts.user !== undefined ? { kind: 'user', name: parseName('user name', opts.user) } : { kind: 'team', name: parseName('team name', opts.team!) };
}

/** A repository pattern inside the project (`*` one path component, `**` any number), checked as the server does. */
function patternOf(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : parseRepoPattern(raw).source;
}

const ROLE_HELP = 'guest pulls; developer also pushes; maintainer also deletes and sets tag rules and retention; owner also manages members, settings and robots.';

export function registerProjectMemberCommands(project: Command): void {
  apiCommand(project, 'members', "list a project's grants (members only)", `
--json prints {"project": PROJECT, "members": [{kind: "user"|"team", name, role, pattern, createdAt}, ...]}.
Example: berth project members app`)
    .argument('PROJECT')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const name = parseProject(raw);
        const members = await (await api()).all<Member>(`/projects/${seg(name)}/members`, `members of project ${name}`);
        emit(ctx.isJson, { project: name, members }, () =>
          formatTable([['KIND', 'NAME', 'ROLE', 'PATTERN', 'GRANTED'], ...members.map((m) => [m.kind, m.name, m.role, m.pattern, shortTime(m.createdAt)])]));
      }),
    );

  apiCommand(project, 'grant', 'grant a role in a project to a user or a team', `
Roles: ${ROLE_HELP}
--pattern limits the grant to repositories inside the project: "*" matches one path component, "**" any
number (the default). Needs the project's owner role (or admin).
--json prints the grant {kind, name, role, pattern, createdAt}.
Examples:
  berth project grant app --user alice --role developer --pattern 'web/*'
  berth project grant app --team backend --role maintainer`)
    .argument('PROJECT')
    .option('--user <name>', 'the user to grant to')
    .option('--team <name>', 'the team to grant to')
    .option('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--pattern <glob>', 'repository path glob inside the project (default "**")')
    .action(
      apiAction(async (ctx, api, raw: string, opts: SubjectOptions) => {
        const name = parseProject(raw);
        const subject = subjectOf(opts);
        if (!ROLES.includes(opts.role as (typeof ROLES)[number])) throw new CliError(`--role must be one of ${ROLES.join(', ')}`, EXIT.CONFIG);
        const pattern = patternOf(opts.pattern);
        const body = { [subject.kind]: subject.name, role: opts.role, ...(pattern !== undefined ? { pattern } : {}) };
        const granted = await (await api()).request<Member>('POST', `/projects/${seg(name)}/members`, `grant ${opts.role} in ${name} to ${subject.kind} ${subject.name}`, { body });
        emit(ctx.isJson, granted, () => `Granted ${granted.role} on ${name}/${granted.pattern} to ${granted.kind} ${granted.name}`);
      }),
    );

  apiCommand(project, 'revoke', "revoke a user's or team's grants in a project", `
Without --pattern every grant of the user or team in the project goes; with it, only that one.
--json prints {"project": PROJECT, "revoked": {kind, name, pattern|null}}.
Examples:
  berth project revoke app --user alice
  berth project revoke app --team backend --pattern 'web/*'`)
    .argument('PROJECT')
    .option('--user <name>', 'the user whose grants go')
    .option('--team <name>', 'the team whose grants go')
    .option('--pattern <glob>', 'revoke only the grant with this pattern')
    .action(
      apiAction(async (ctx, api, raw: string, opts: SubjectOptions) => {
        const name = parseProject(raw);
        const subject = subjectOf(opts);
        const pattern = patternOf(opts.pattern);
        await (await api()).request('DELETE', `/projects/${seg(name)}/members/${subject.kind}/${seg(subject.name)}`, `revoke ${subject.kind} ${subject.name} in ${name}`, { query: { pattern } });
        emit(ctx.isJson, { project: name, revoked: { ...subject, pattern: pattern ?? null } }, () =>
          `Revoked ${pattern === undefined ? 'every grant' : `the grant on ${pattern}`} of ${subject.kind} ${subject.name} in ${name}`);
      }),
    );
}
