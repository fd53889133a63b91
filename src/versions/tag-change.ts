import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';

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

/**
 * The per-project rules every tag change must satisfy: naming rules, immutable tags, production protection.
 * Every path that moves or deletes a tag (push, delete, promotion, rollback, restore, retention) asks first.
 */
export interface TagGuard {
  /**
   * Resolves when `change` is allowed. Throws BerthError TAG_INVALID (naming rule, enforce mode) or DENIED
   * (immutable tag, production protection) whose message names the rule. Warn-mode findings do not throw: they
   * are returned so the caller can surface them (a `Warning` header on /v2, a `warnings` field in the API).
   */
  check(change: TagChange): Promise<{ warnings: string[] }>;
}
