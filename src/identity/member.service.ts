import { z } from 'zod';
import { parseRepoPattern } from '../auth/repo-pattern.ts';
import type { MemberRecord, MemberRepo, TeamRepo, UserRepo } from '../meta/identity-store.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import { pageArray, type ListQuery, type Paged } from './list-page.ts';
import { badField, Name, parseInput, unknown } from './validate.ts';

const Role = z.enum(['guest', 'developer', 'maintainer', 'owner']);
export const SubjectKind = z.enum(['user', 'team']);

export const GrantBody = z
  .strictObject({
    user: Name.optional(),
    team: Name.optional(),
    role: Role,
    pattern: z.string().min(1).max(255).default('**'),
  })
  .refine((b) => (b.user === undefined) !== (b.team === undefined), { message: 'give exactly one of user or team', path: ['user'] });

export const MemberView = z.object({
  kind: SubjectKind,
  name: z.string(),
  role: Role,
  pattern: z.string(),
  createdAt: z.string(),
});
export type MemberView = z.infer<typeof MemberView>;

const memberKey = (m: MemberView) => `${m.kind}\u0000${m.name}\u0000${m.pattern}`;

/** Project grants: (project, user or team, role, repository pattern). Safe concurrently; errors are BerthErrors. */
export class MemberService {
  constructor(private readonly deps: {
    members: Pick<MemberRepo, 'grant' | 'revoke' | 'listForProject'>;
    users: Pick<UserRepo, 'findByName' | 'findById'>;
    teams: Pick<TeamRepo, 'findByName' | 'list'>;
    fx: ChangeEffects;
  }) {}

  /** A project's grants with subject names, ordered by kind, name, pattern. The caller checks the project is visible. */
  async list(project: string, query: ListQuery): Promise<Paged<MemberView>> {
    const records = await this.deps.members.listForProject(project);
    const teamNames = records.some((r) => r.subjectKind === 'team') ? await this.teamNames() : new Map<string, string>();
    const views = await Promise.all(records.map(async (r): Promise<MemberView | undefined> => {
      const name = r.subjectKind === 'team' ? teamNames.get(r.subjectId) : (await this.deps.users.findById(r.subjectId))?.username;
      return name === undefined ? undefined : { kind: r.subjectKind, name, role: r.role, pattern: r.pattern, createdAt: isoTime(r.createdAt) };
    }));
    return pageArray(views.filter((v): v is MemberView => v !== undefined), memberKey, query);
  }

  /**
   * Grants a role (a second grant with the same pattern replaces the role). Throws BAD_REQUEST for a bad body,
   * an invalid pattern or an unknown user or team.
   */
  async grant(actor: Actor, project: string, raw: unknown): Promise<MemberView> {
    const input = parseInput(GrantBody, raw);
    try {
      parseRepoPattern(input.pattern);
    } catch (err) {
      throw badField('body.pattern', (err as Error).message);
    }
    const subject = await this.subject(input.user !== undefined ? 'user' : 'team', (input.user ?? input.team) as string, true);
    const record: MemberRecord = await this.deps.members.grant({ project, subjectKind: subject.kind, subjectId: subject.id, role: input.role, pattern: input.pattern });
    afterChange(this.deps.fx, actor, { action: 'member.grant', project, detail: { [subject.kind]: subject.name, role: input.role, pattern: input.pattern } });
    return { kind: subject.kind, name: subject.name, role: record.role, pattern: record.pattern, createdAt: isoTime(record.createdAt) };
  }

  /** Removes a subject's grants in the project (all, or the one with `pattern`). Throws RESOURCE_UNKNOWN when none matched. */
  async revoke(actor: Actor, project: string, kind: 'user' | 'team', name: string, pattern?: string): Promise<void> {
    const subject = await this.subject(kind, name, false);
    const removed = await this.deps.members.revoke(project, kind, subject.id, pattern);
    if (removed === 0) throw unknown('member', name);
    afterChange(this.deps.fx, actor, { action: 'member.revoke', project, detail: { [kind]: name, ...(pattern !== undefined ? { pattern } : {}), removed } });
  }

  private async subject(kind: 'user' | 'team', name: string, inBody: boolean): Promise<{ kind: 'user' | 'team'; id: string; name: string }> {
    const found = kind === 'user' ? await this.deps.users.findByName(name) : await this.deps.teams.findByName(name);
    if (!found) throw inBody ? badField(`body.${kind}`, `no such ${kind}`) : unknown('member', name);
    return { kind, id: found.id, name };
  }

  private async teamNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    let last: string | undefined;
    for (;;) {
      const page = await this.deps.teams.list({ n: 500, ...(last !== undefined ? { last } : {}) });
      for (const t of page.items) names.set(t.id, t.name);
      if (!page.hasMore) return names;
      last = page.items.at(-1)?.name;
    }
  }
}
