import type { Kysely } from 'kysely';
import type { RepoName } from '../oci/names.ts';
import type { UploadRepo, UploadSession } from './meta-store.ts';
import type { Database } from './schema.ts';

export class UploadRepoImpl implements UploadRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: UploadSession): Promise<void> {
    await this.db.insertInto('uploads').values({ id: session.id, repository: session.repo, created_at: session.createdAt, updated_at: session.updatedAt }).execute();
  }

  async find(id: string): Promise<UploadSession | undefined> {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, repo: row.repository as RepoName, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) };
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db.updateTable('uploads').set({ updated_at: at }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  async idleSince(before: number, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('updated_at', '<', before).orderBy('updated_at').limit(limit).execute();
    return rows.map((r) => r.id);
  }
}
