import type { Kysely, Selectable } from 'kysely';
import type { RepoName } from '../oci/names.ts';
import type { UploadRepo, UploadSession } from './meta-store.ts';
import { CompiledLookup } from './compiled-query.ts';
import type { Database } from './schema.ts';

type UploadRow = Selectable<Database['uploads']>;

export class UploadRepoImpl implements UploadRepo {
  /** The two statements of every session (POST, then each PATCH/PUT), compiled once (see CompiledLookup). */
  private readonly insert: CompiledLookup<unknown, 'id' | 'repo' | 'createdAt' | 'updatedAt'>;
  private readonly byId: CompiledLookup<UploadRow, 'id'>;

  constructor(private readonly db: Kysely<Database>) {
    // Params stand in for numbers too: the compiled placeholder is replaced by the real value at run time.
    const num = (name: string) => name as unknown as number;
    this.insert = new CompiledLookup(db, (p) =>
      db.insertInto('uploads').values({ id: p('id'), repository: p('repo'), created_at: num(p('createdAt')), updated_at: num(p('updatedAt')) }),
    );
    this.byId = new CompiledLookup(db, (p) => db.selectFrom('uploads').selectAll().where('id', '=', p('id')));
  }

  async create(session: UploadSession): Promise<void> {
    await this.insert.all({ id: session.id, repo: session.repo, createdAt: session.createdAt, updatedAt: session.updatedAt });
  }

  async find(id: string): Promise<UploadSession | undefined> {
    const row = await this.byId.first({ id });
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
