import type { Kysely, Selectable } from 'kysely';
import type { Grant, Role } from '../auth/policy.ts';
import type { MemberRecord, MemberRepo } from './identity-store.ts';
import type { ProjectMembersTable } from './identity-schema.ts';
import type { Database } from './schema.ts';

const toMember = (row: Selectable<ProjectMembersTable>): MemberRecord => ({
  project: row.project,
  subjectKind: row.subject_kind,
  subjectId: row.subject_id,
  role: row.role as Role,
  pattern: row.pattern,
  createdAt: Number(row.created_at),
});

export class MemberRepoImpl implements MemberRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async grant(member: Omit<MemberRecord, 'createdAt'>): Promise<MemberRecord> {
    const row = await this.db
      .insertInto('project_members')
      .values({ project: member.project, subject_kind: member.subjectKind, subject_id: member.subjectId, role: member.role, pattern: member.pattern, created_at: this.now() })
      .onConflict((oc) => oc.columns(['project', 'subject_kind', 'subject_id', 'pattern']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMember(row);
  }

  async revoke(project: string, subjectKind: 'user' | 'team', subjectId: string, pattern?: string): Promise<number> {
    let q = this.db.deleteFrom('project_members').where('project', '=', project).where('subject_kind', '=', subjectKind).where('subject_id', '=', subjectId);
    if (pattern !== undefined) q = q.where('pattern', '=', pattern);
    const result = await q.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listForProject(project: string): Promise<MemberRecord[]> {
    const rows = await this.db
      .selectFrom('project_members')
      .selectAll()
      .where('project', '=', project)
      .orderBy('subject_kind')
      .orderBy('subject_id')
      .orderBy('pattern')
      .execute();
    return rows.map(toMember);
  }

  async grantsFor(userId: string, teamIds: readonly string[]): Promise<Grant[]> {
    const rows = await this.db
      .selectFrom('project_members')
      .select(['project', 'role', 'pattern'])
      .distinct()
      .where((eb) => {
        const direct = eb.and([eb('subject_kind', '=', 'user'), eb('subject_id', '=', userId)]);
        if (teamIds.length === 0) return direct;
        return eb.or([direct, eb.and([eb('subject_kind', '=', 'team'), eb('subject_id', 'in', [...teamIds])])]);
      })
      .orderBy('project')
      .orderBy('pattern')
      .orderBy('role')
      .execute();
    return rows.map((r) => ({ project: r.project, role: r.role as Role, pattern: r.pattern }));
  }
}
