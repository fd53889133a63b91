import type { Kysely, Selectable } from 'kysely';
import type { UserRecord, UserRepo } from './identity-store.ts';
import { flag, insertedOrConflict, orderedId } from './identity-rows.ts';
import type { UsersTable } from './identity-schema.ts';
import type { Page, PageResult } from './meta-store.ts';
import { fetchRowPage } from './paging.ts';
import type { Database } from './schema.ts';

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    isAdmin: row.is_admin === 1,
    isDisabled: row.is_disabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class UserRepoImpl implements UserRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async create(input: { username: string; passwordHash: string; isAdmin: boolean }): Promise<UserRecord> {
    const at = this.now();
    const row = { id: orderedId(), username: input.username, password_hash: input.passwordHash, is_admin: flag(input.isAdmin), is_disabled: 0, created_at: at, updated_at: at };
    const result = await this.db.insertInto('users').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    insertedOrConflict(result, { username: input.username });
    return toUser(row);
  }

  async findByName(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async list(page: Page): Promise<PageResult<UserRecord>> {
    const { items, hasMore } = await fetchRowPage(this.db.selectFrom('users').selectAll(), 'username', page);
    return { items: items.map(toUser), hasMore };
  }

  async update(id: string, patch: Partial<Pick<UserRecord, 'passwordHash' | 'isAdmin' | 'isDisabled'>>): Promise<UserRecord | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({
        updated_at: this.now(),
        ...(patch.passwordHash !== undefined ? { password_hash: patch.passwordHash } : {}),
        ...(patch.isAdmin !== undefined ? { is_admin: flag(patch.isAdmin) } : {}),
        ...(patch.isDisabled !== undefined ? { is_disabled: flag(patch.isDisabled) } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async delete(id: string): Promise<boolean> {
    // Team memberships go by foreign key; grants name their subject without one.
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('project_members').where('subject_kind', '=', 'user').where('subject_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
