import type { Kysely } from 'kysely';
import type { SettingRepo } from './identity-store.ts';
import type { Database } from './schema.ts';

export class SettingRepoImpl implements SettingRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row && (JSON.parse(row.value) as T);
  }

  async putIfAbsent<T>(key: string, value: T): Promise<T> {
    // A racing insert (another node too) waits for the first to commit, then does nothing; the read that
    // follows sees the committed winner.
    await this.db
      .insertInto('settings')
      .values({ key, value: JSON.stringify(value), updated_at: this.now() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const stored = await this.get<T>(key);
    if (stored === undefined) throw new Error(`setting ${key} vanished between insert and read`);
    return stored;
  }

  async put<T>(key: string, value: T): Promise<void> {
    const row = { key, value: JSON.stringify(value), updated_at: this.now() };
    await this.db
      .insertInto('settings')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, updated_at: row.updated_at }))
      .execute();
  }
}
