import type { SelectQueryBuilder } from 'kysely';
import type { Page, PageResult } from './meta-store.ts';

/** Applies `last`/`n` to a query ordered by `column`; fetches one extra row to know whether more follow. */
export async function fetchPage<DB, TB extends keyof DB, T extends string>(
  query: SelectQueryBuilder<DB, TB, { value: T }>,
  column: string,
  page: Page,
): Promise<PageResult<T>> {
  const { items, hasMore } = await fetchRowPage(query, column, page);
  return { items: items.map((r) => r.value), hasMore };
}

/** `fetchPage` for whole rows: pages by the unique text `column`, which the rows need not include. */
export async function fetchRowPage<DB, TB extends keyof DB, R>(
  query: SelectQueryBuilder<DB, TB, R>,
  column: string,
  page: Page,
): Promise<PageResult<R>> {
  let q = query.orderBy(column as never);
  if (page.last !== undefined && page.last !== '') q = q.where(column as never, '>', page.last as never);
  if (page.n !== undefined) q = q.limit(page.n + 1);
  const rows = await q.execute();
  const hasMore = page.n !== undefined && rows.length > page.n;
  return { items: hasMore ? rows.slice(0, page.n) : rows, hasMore };
}
