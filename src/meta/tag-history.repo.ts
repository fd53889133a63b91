import type { Kysely, Selectable } from 'kysely';
import { BerthError } from '../errors/berth-error.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { Database } from './schema.ts';
import type { TagHistoryTable } from './tag-history-schema.ts';

/** How a tag came to point somewhere else (or nowhere): recorded in tag history and audit. */
export type TagChangeKind = 'push' | 'delete' | 'promotion' | 'rollback' | 'restore' | 'retention';

/** One tag move: `from` undefined = the tag is created; `to` undefined = the tag is deleted. */
export interface TagChange {
  repo: RepoName;
  tag: Tag;
  from?: Digest;
  to?: Digest;
  how: TagChangeKind;
  /** The principal's name (`alice`, `robot$acme+ci`), or `system` for scheduled work. */
  actor: string;
}

/** Why and by whom a store method moves a tag: recorded in tag history in the same transaction as the move. */
export interface TagChangeContext {
  how: TagChangeKind;
  /** The principal's name, or `system` for scheduled work. */
  actor: string;
}

/** What a caller that does not say is recorded as: a push by the system. */
export const SYSTEM_PUSH: TagChangeContext = Object.freeze({ how: 'push', actor: 'system' });

/** One recorded move of a tag: `from` undefined = created; `to` undefined = deleted. */
export interface TagHistoryEntry extends TagChange {
  /** Increases with every move. */
  id: number;
  /** Epoch ms. */
  at: number;
}

export interface TagMove {
  repo: RepoName;
  tag: Tag;
  /** The digest the caller saw the tag at; undefined = the tag must not exist. */
  expected: Digest | undefined;
  to: Digest;
  change: TagChangeContext;
}

export interface TagHistoryRepo {
  /** Newest first, at most `limit`, only entries older than the `before` id when given. Unknown tag: empty. */
  list(repo: RepoName, tag: Tag, page: { limit: number; before?: number }): Promise<{ items: TagHistoryEntry[]; hasMore: boolean }>;
  /** The most recent `limit` entries, oldest first (what a rollback replays). */
  timeline(repo: RepoName, tag: Tag, limit: number): Promise<TagHistoryEntry[]>;
  /** The digest the tag points at now, or undefined. */
  current(repo: RepoName, tag: Tag): Promise<Digest | undefined>;
  /**
   * Compare-and-set: in one transaction, checks that `to` is still linked in the repository ('gone' if not),
   * moves the tag only when it still points at `expected` (absent when undefined; else 'conflict') and records
   * the move. Concurrent moves with the same `expected`: exactly one is 'moved'.
   */
  move(input: TagMove): Promise<'moved' | 'conflict' | 'gone'>;
  /**
   * Every digest a history entry at or after `since` names (from or to), in `repo` or in every repository:
   * what garbage collection and retention must keep inside the history window.
   */
  digestsSince(since: number, repo?: RepoName): Promise<Digest[]>;
}

function entryOf(r: Selectable<TagHistoryTable>): TagHistoryEntry {
  return {
    id: Number(r.id),
    repo: r.repository as RepoName,
    tag: r.tag as Tag,
    ...(r.from_digest !== null ? { from: r.from_digest as Digest } : {}),
    ...(r.to_digest !== null ? { to: r.to_digest as Digest } : {}),
    how: r.how as TagChangeKind,
    actor: r.actor,
    at: Number(r.at),
  };
}

/** Appends one history row; call inside the transaction that moved the tag. */
export async function recordTagMove(
  db: Kysely<Database>,
  move: { repo: RepoName; tag: string; from: string | undefined; to: string | undefined; change: TagChangeContext; at: number },
): Promise<void> {
  await db
    .insertInto('tag_history')
    .values({ repository: move.repo, tag: move.tag, from_digest: move.from ?? null, to_digest: move.to ?? null, how: move.change.how, actor: move.change.actor, at: move.at })
    .execute();
}

/**
 * Points `tag` at `digest` (last writer wins) and records the move when the digest changes, inside the caller's
 * transaction. The previous digest is exact under concurrency: a new tag is created by an insert that yields to
 * a concurrent one, an existing row is locked (a no-op update) before its digest is read. With `expected`, an
 * existing tag is moved only while it still points at `expected.digest` (or already at `digest`); else throws
 * BerthError CONFLICT (detail.reason 'tag-moved') so the caller can re-check its tag rules against what the tag
 * points at now. Returns the digest the tag pointed at before when it moved from another one.
 */
export async function setTag(db: Kysely<Database>, repo: RepoName, tag: Tag, digest: Digest, at: number, change: TagChangeContext, expected?: { digest: Digest | undefined }): Promise<Digest | undefined> {
  const created = await db
    .insertInto('tags')
    .values({ repository: repo, name: tag, digest, updated_at: at })
    .onConflict((oc) => oc.columns(['repository', 'name']).doNothing())
    .returning('digest')
    .executeTakeFirst();
  if (created) {
    await recordTagMove(db, { repo, tag, from: undefined, to: digest, change, at });
    return undefined;
  }
  // The push time moves on a re-push too; the update also locks the row before its digest is read.
  await db.updateTable('tags').set({ updated_at: at }).where('repository', '=', repo).where('name', '=', tag).execute();
  const before = await db.selectFrom('tags').select('digest').where('repository', '=', repo).where('name', '=', tag).executeTakeFirst();
  if (before?.digest === digest) return undefined;
  if (expected && before !== undefined && before.digest !== expected.digest) {
    throw new BerthError('CONFLICT', { message: `tag ${repo}:${tag} moved while this change was being checked: try again`, detail: { tag, reason: 'tag-moved' } });
  }
  // Deleted between the insert and the lock: create it again.
  await db
    .insertInto('tags')
    .values({ repository: repo, name: tag, digest, updated_at: at })
    .onConflict((oc) => oc.columns(['repository', 'name']).doUpdateSet({ digest, updated_at: at }))
    .execute();
  await recordTagMove(db, { repo, tag, from: before?.digest, to: digest, change, at });
  return before?.digest as Digest | undefined;
}

export class TagHistoryRepoImpl implements TagHistoryRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async list(repo: RepoName, tag: Tag, page: { limit: number; before?: number }): Promise<{ items: TagHistoryEntry[]; hasMore: boolean }> {
    let q = this.db.selectFrom('tag_history').selectAll().where('repository', '=', repo).where('tag', '=', tag);
    if (page.before !== undefined) q = q.where('id', '<', page.before);
    const rows = await q.orderBy('id', 'desc').limit(page.limit + 1).execute();
    return { items: rows.slice(0, page.limit).map(entryOf), hasMore: rows.length > page.limit };
  }

  async timeline(repo: RepoName, tag: Tag, limit: number): Promise<TagHistoryEntry[]> {
    const rows = await this.db.selectFrom('tag_history').selectAll().where('repository', '=', repo).where('tag', '=', tag).orderBy('id', 'desc').limit(limit).execute();
    return rows.map(entryOf).reverse();
  }

  async current(repo: RepoName, tag: Tag): Promise<Digest | undefined> {
    const row = await this.db.selectFrom('tags').select('digest').where('repository', '=', repo).where('name', '=', tag).executeTakeFirst();
    return row?.digest as Digest | undefined;
  }

  async move(input: TagMove): Promise<'moved' | 'conflict' | 'gone'> {
    const { repo, tag, expected, to, change } = input;
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      // Checks and locks the link in one statement, so a concurrent unlink waits for this move.
      const linked = await trx
        .updateTable('repository_manifests')
        .set((eb) => ({ created_at: eb.ref('created_at') }))
        .where('repository', '=', repo)
        .where('digest', '=', to)
        .executeTakeFirst();
      if (Number(linked.numUpdatedRows) === 0) return 'gone';
      if (expected === undefined) {
        const created = await trx
          .insertInto('tags')
          .values({ repository: repo, name: tag, digest: to, updated_at: at })
          .onConflict((oc) => oc.columns(['repository', 'name']).doNothing())
          .returning('digest')
          .executeTakeFirst();
        if (!created) return 'conflict';
      } else {
        const moved = await trx.updateTable('tags').set({ digest: to, updated_at: at }).where('repository', '=', repo).where('name', '=', tag).where('digest', '=', expected).executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return 'conflict';
      }
      await recordTagMove(trx, { repo, tag, from: expected, to, change, at });
      return 'moved';
    });
  }

  async digestsSince(since: number, repo?: RepoName): Promise<Digest[]> {
    let q = this.db.selectFrom('tag_history').select(['from_digest', 'to_digest']).where('at', '>=', since);
    if (repo !== undefined) q = q.where('repository', '=', repo);
    const found = new Set<Digest>();
    for (const r of await q.execute()) {
      if (r.from_digest !== null) found.add(r.from_digest as Digest);
      if (r.to_digest !== null) found.add(r.to_digest as Digest);
    }
    return [...found].sort();
  }
}
