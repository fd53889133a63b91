import type { Kysely, Transaction } from 'kysely';
import type { RepoName } from '../oci/names.ts';
import type { Page, PageResult, RepositoryRepo } from './meta-store.ts';
import { fetchPage } from './paging.ts';
import type { Database } from './schema.ts';

/** Creates the repository row if missing; for use inside another repo's transaction. */
export async function ensureRepository(trx: Transaction<Database>, name: RepoName, at: number): Promise<void> {
  await ensureRepositoryQuery(trx, name, at).execute();
}

/** The insert `ensureRepository` runs, unexecuted (for callers that compile it once). */
export function ensureRepositoryQuery(db: Kysely<Database>, name: string, at: number) {
  return db.insertInto('repositories').values({ name, created_at: at }).onConflict((oc) => oc.column('name').doNothing());
}

export class RepositoryRepoImpl implements RepositoryRepo {
  constructor(private readonly db: Kysely<Database>) {}

  list(page: Page): Promise<PageResult<RepoName>> {
    return fetchPage(this.db.selectFrom('repositories').select('name as value').$castTo<{ value: RepoName }>(), 'name', page);
  }

  async exists(name: RepoName): Promise<boolean> {
    const row = await this.db.selectFrom('repositories').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }
}
