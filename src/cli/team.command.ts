import type { Command } from 'commander';
import { apiAction, apiCommand, commandGroup, deleteCommand, parseName, seg, shortTime } from './api-command.ts';
import type { TeamView as Team } from '../identity/team.service.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { emit, formatTable } from './output.ts';


export function registerTeamCommands(program: Command): void {
  const team = commandGroup(program, 'team', 'manage teams: named groups of users that project roles can be granted to (admins)');

  apiCommand(team, 'list', 'list every team', `
--json prints {"teams": [{name, createdAt}, ...]}.
Example: berth team list`).action(
    apiAction(async (ctx, api, _opts: ConnectionOptions) => {
      const teams = await (await api()).all<Team>('/teams', 'list teams');
      emit(ctx.isJson, { teams }, () => formatTable([['TEAM', 'CREATED'], ...teams.map((t) => [t.name, shortTime(t.createdAt)])]));
    }),
  );

  apiCommand(team, 'create', 'create a team', `
--json prints the new team {name, createdAt}.
Example: berth team create backend`)
    .argument('TEAM', '1-64 characters of a-z, 0-9, ".", "_", "-"')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const name = parseName('team name', raw);
        const created = await (await api()).request<Team>('POST', '/teams', `create team ${name}`, { body: { name } });
        emit(ctx.isJson, created, () => `Created team ${created.name}`);
      }),
    );

  deleteCommand(team, { noun: 'team', arg: 'TEAM', description: 'delete a team and every grant made to it', example: 'backend', collection: '/teams', parse: (raw) => parseName('team name', raw) });

  apiCommand(team, 'members', "list a team's members", `
--json prints {"team": TEAM, "members": [USERNAME, ...]}.
Example: berth team members backend`)
    .argument('TEAM')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const name = parseName('team name', raw);
        const members = (await (await api()).all<{ username: string }>(`/teams/${seg(name)}/members`, `members of team ${name}`)).map((m) => m.username);
        emit(ctx.isJson, { team: name, members }, () => members.join('\n'));
      }),
    );

  const memberChanges = [
    { name: 'add-member', verb: 'add', key: 'added', method: 'PUT', description: 'add a user to a team (no change when already a member)', says: (u: string, t: string) => `Added ${u} to team ${t}` },
    { name: 'remove-member', verb: 'remove', key: 'removed', method: 'DELETE', description: 'remove a user from a team', says: (u: string, t: string) => `Removed ${u} from team ${t}` },
  ] as const;
  for (const change of memberChanges) {
    apiCommand(team, change.name, change.description, `
--json prints {"team": TEAM, "${change.key}": USERNAME}.
Example: berth team ${change.name} backend alice`)
      .argument('TEAM')
      .argument('USERNAME')
      .action(
        apiAction(async (ctx, api, rawTeam: string, rawUser: string, _opts: ConnectionOptions) => {
          const name = parseName('team name', rawTeam);
          const username = parseName('user name', rawUser);
          await (await api()).request(change.method, `/teams/${seg(name)}/members/${seg(username)}`, `${change.verb} ${username} ${change.verb === 'add' ? 'to' : 'from'} team ${name}`);
          emit(ctx.isJson, { team: name, [change.key]: username }, () => change.says(username, name));
        }),
      );
  }
}
