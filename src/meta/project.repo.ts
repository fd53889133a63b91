import type { Kysely, Selectable } from 'kysely';
import type { ProjectRecord, ProjectRepo } from './identity-store.ts';
import { flag, insertedOrConflict } from './identity-rows.ts';
import type { ProjectsTable } from './identity-schema.ts';
import type { Page, PageResult } from './meta-store.ts';
import { fetchRowPage } from './paging.ts';
import type { Database } from './schema.ts';

const toProject = (row: Selectable<ProjectsTable>): ProjectRecord => ({
  name: row.name,
  isPublic: row.is_public === 1,
  createdBy: row.created_by,
  createdAt: Number(row.created_at),
});

export class ProjectRepoImpl implements ProjectRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async create(input: { name: string; isPublic: boolean; createdBy: string | null }): Promise<ProjectRecord> {
    const row = { name: input.name, is_public: flag(input.isPublic), created_by: input.createdBy, created_at: this.now() };
    const result = await this.db.insertInto('projects').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    insertedOrConflict(result, { project: input.name });
    return toProject(row);
  }

  async find(name: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toProject(row);
  }

  async list(page: Page): Promise<PageResult<ProjectRecord>> {
    const { items, hasMore } = await fetchRowPage(this.db.selectFrom('projects').selectAll(), 'name', page);
    return { items: items.map(toProject), hasMore };
  }

  async update(name: string, patch: { isPublic?: boolean }): Promise<ProjectRecord | undefined> {
    if (patch.isPublic === undefined) return this.find(name);
    const row = await this.db.updateTable('projects').set({ is_public: flag(patch.isPublic) }).where('name', '=', name).returningAll().executeTakeFirst();
    return row && toProject(row);
  }

  async delete(name: string): Promise<boolean> {
    // Grants and robots go by foreign key; IP rules name their scope without one.
    return this.db.transaction().execute(async (trx) => {
      const robotIds = trx.selectFrom('robots').select('id').where('project', '=', name);
      await trx.deleteFrom('ip_rules').where('scope', '=', 'robot').where('scope_id', 'in', robotIds).execute();
      await trx.deleteFrom('ip_rules').where('scope', '=', 'project').where('scope_id', '=', name).execute();
      const result = await trx.deleteFrom('projects').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
