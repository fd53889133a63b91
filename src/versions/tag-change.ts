import type { TagChange } from '../meta/tag-history.repo.ts';

// The vocabulary of tag moves is the store's too (it records them in tag history): defined there, named here.
export type { TagChange, TagChangeKind } from '../meta/tag-history.repo.ts';

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
