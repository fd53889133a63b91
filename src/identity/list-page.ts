import { z } from 'zod';
import type { Page, PageResult } from '../meta/meta-store.ts';

/** Every list endpoint: at most `limit` items after the opaque `cursor` of the previous page. */
export const ListQuery = z.object({
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
});
export type ListQuery = z.output<typeof ListQuery>;

/** One page of a list: `next` is the cursor of the following page, null on the last one. */
export interface Paged<T> {
  items: T[];
  next: string | null;
}

/** The store's page request for a list query over a unique, ascending text key. */
export function storePage(query: ListQuery): Page {
  return { n: query.limit, ...(query.cursor !== undefined ? { last: query.cursor } : {}) };
}

/** A store page mapped to the API's shape; `key` gives each item's cursor. */
export function fromStorePage<R, T>(result: PageResult<R>, key: (row: R) => string, view: (row: R) => T): Paged<T> {
  const last = result.items.at(-1);
  return { items: result.items.map(view), next: result.hasMore && last !== undefined ? key(last) : null };
}

/**
 * Pages a small in-memory list (members, robots, rules) by a unique key: items are sorted by key (descending
 * when `descending`), the page holds those after `cursor`. Pure.
 */
export function pageArray<T>(items: readonly T[], key: (item: T) => string, query: ListQuery, descending = false): Paged<T> {
  const sign = descending ? -1 : 1;
  const cmp = (a: string, b: string) => (a < b ? -sign : a > b ? sign : 0);
  const sorted = [...items].sort((a, b) => cmp(key(a), key(b)));
  const cursor = query.cursor;
  const after = cursor === undefined ? sorted : sorted.filter((item) => cmp(key(item), cursor) > 0);
  const page = after.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page, next: after.length > query.limit && last !== undefined ? key(last) : null };
}
