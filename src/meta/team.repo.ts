import type { Kysely } from 'kysely';
import type { TeamRecord, TeamRepo } from './identity-store.ts';
import { insertedOrConflict, orderedId } from './identity-rows.ts';
import type { Page, PageResult } from './meta-store.ts';
import { fetchRowPage } from './paging.ts';
import type { Database } from './schema.ts';

const toTeam = (row: { id: string; name: string; created_at: number }): TeamRecord => ({ id: row.id, name: row.name, createdAt: Number(row.created_at) });

export class TeamRepoImpl implements TeamRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async create(name: string): Promise<TeamRecord> {
    const row = { id: orderedId(), name, created_at: this.now() };
    const result = await this.db.insertInto('teams').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    insertedOrConflict(result, { team: name });
    return toTeam(row);
  }

  async findByName(name: string): Promise<TeamRecord | undefined> {
    const row = await this.db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toTeam(row);
  }

  async list(page: Page): Promise<PageResult<TeamRecord>> {
    const { items, hasMore } = await fetchRowPage(this.db.selectFrom('teams').selectAll(), 'name', page);
    return { items: items.map(toTeam), hasMore };
  }

  async delete(id: string): Promise<boolean> {
    // Memberships go by foreign key; grants name their subject without one.
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('project_members').where('subject_kind', '=', 'team').where('subject_id', '=', id).execute();
      const result = await trx.deleteFrom('teams').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async addMember(teamId: string, userId: string): Promise<void> {
    await this.db.insertInto('team_members').values({ team_id: teamId, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
  }

  async removeMember(teamId: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async members(teamId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).orderBy('user_id').execute();
    return rows.map((r) => r.user_id);
  }

  async teamsOf(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('team_members').select('team_id').where('user_id', '=', userId).orderBy('team_id').execute();
    return rows.map((r) => r.team_id);
  }
}
