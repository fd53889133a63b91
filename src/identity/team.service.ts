import { z } from 'zod';
import type { TeamRecord, TeamRepo, UserRepo } from '../meta/identity-store.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import { fromStorePage, pageArray, storePage, type ListQuery, type Paged } from './list-page.ts';
import { Name, parseInput, unknown } from './validate.ts';

export const CreateTeamBody = z.strictObject({ name: Name });

export const TeamView = z.object({ name: z.string(), createdAt: z.string() });
export type TeamView = z.infer<typeof TeamView>;

export const TeamMemberView = z.object({ username: z.string() });
export type TeamMemberView = z.infer<typeof TeamMemberView>;

const toView = (t: TeamRecord): TeamView => ({ name: t.name, createdAt: isoTime(t.createdAt) });

/** Teams of users; a team's grants reach all its members. Safe concurrently; errors are BerthErrors. */
export class TeamService {
  constructor(private readonly deps: {
    teams: Pick<TeamRepo, 'create' | 'findByName' | 'list' | 'delete' | 'addMember' | 'removeMember' | 'members'>;
    users: Pick<UserRepo, 'findByName' | 'findById'>;
    fx: ChangeEffects;
  }) {}

  /** Ordered by name. */
  async list(query: ListQuery): Promise<Paged<TeamView>> {
    return fromStorePage(await this.deps.teams.list(storePage(query)), (t) => t.name, toView);
  }

  /** Throws BAD_REQUEST, CONFLICT when the name is taken. */
  async create(actor: Actor, raw: unknown): Promise<TeamView> {
    const input = parseInput(CreateTeamBody, raw);
    const team = await this.deps.teams.create(input.name);
    afterChange(this.deps.fx, actor, { action: 'team.create', detail: { team: team.name } });
    return toView(team);
  }

  /** Removes the team, its memberships and its grants. Throws RESOURCE_UNKNOWN. */
  async delete(actor: Actor, name: string): Promise<void> {
    const team = await this.find(name);
    if (!(await this.deps.teams.delete(team.id))) throw unknown('team', name);
    afterChange(this.deps.fx, actor, { action: 'team.delete', detail: { team: name } });
  }

  /** Usernames, ordered. Throws RESOURCE_UNKNOWN. */
  async members(name: string, query: ListQuery): Promise<Paged<TeamMemberView>> {
    const team = await this.find(name);
    const ids = await this.deps.teams.members(team.id);
    const users = await Promise.all(ids.map((id) => this.deps.users.findById(id)));
    const views = users.flatMap((u) => (u ? [{ username: u.username }] : []));
    return pageArray(views, (m) => m.username, query);
  }

  /** Idempotent. Throws RESOURCE_UNKNOWN for an unknown team or user. */
  async addMember(actor: Actor, name: string, username: string): Promise<void> {
    const team = await this.find(name);
    const user = await this.deps.users.findByName(username);
    if (!user) throw unknown('user', username);
    await this.deps.teams.addMember(team.id, user.id);
    afterChange(this.deps.fx, actor, { action: 'team.member.add', detail: { team: name, username } });
  }

  /** Throws RESOURCE_UNKNOWN for an unknown team or user, or a user not in the team. */
  async removeMember(actor: Actor, name: string, username: string): Promise<void> {
    const team = await this.find(name);
    const user = await this.deps.users.findByName(username);
    if (!user || !(await this.deps.teams.removeMember(team.id, user.id))) throw unknown('member', username);
    afterChange(this.deps.fx, actor, { action: 'team.member.remove', detail: { team: name, username } });
  }

  private async find(name: string): Promise<TeamRecord> {
    const team = await this.deps.teams.findByName(name);
    if (!team) throw unknown('team', name);
    return team;
  }
}
