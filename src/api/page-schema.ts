import { z } from 'zod';

/** The answer schema of a list endpoint: `{ items, next }`, `next` null on the last page. */
export function pageOf(item: z.ZodType) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}
