import type { Generated } from 'kysely';

/**
 * Tag history (migration 0005_tag_history): one row per move of a tag, newest has the highest id. `from_digest`
 * null = the tag was created; `to_digest` null = it was deleted. `how` is a TagChangeKind, `actor` the principal's
 * name (or `system`), `at` epoch ms. Garbage collection reads this table directly (the history window).
 */
export interface TagHistoryTable {
  id: Generated<number>;
  repository: string;
  tag: string;
  from_digest: string | null;
  to_digest: string | null;
  how: string;
  actor: string;
  at: number;
}

export interface TagHistoryDatabase {
  tag_history: TagHistoryTable;
}
