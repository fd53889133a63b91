import type { Digest } from '../oci/digest.ts';
import type { TagHistoryEntry } from '../meta/tag-history.repo.ts';

/**
 * The tag's lineage: the digests it was moved through, oldest first, ending at the one it points at now (or,
 * for a deleted tag, the one it pointed at when deleted). It works like an undo stack, so repeated rollbacks
 * keep going back instead of toggling between two digests:
 * - a push or promotion to a digest adds it on top (a re-push of an older digest too: what came before it
 *   is then the digest it replaced);
 * - a rollback or restore to a digest already in the lineage drops everything above its last occurrence;
 *   to a digest not in it, adds it on top;
 * - a delete leaves the lineage as it is (a restore brings back its top).
 * `current`, when given and not on top (history older than the table, or trimmed), is added on top. Pure.
 */
export function tagLineage(entries: readonly Pick<TagHistoryEntry, 'to' | 'how'>[], current?: Digest): Digest[] {
  const lineage: Digest[] = [];
  for (const entry of entries) {
    if (entry.to === undefined) continue;
    if (entry.how === 'rollback' || entry.how === 'restore') {
      const i = lineage.lastIndexOf(entry.to);
      if (i >= 0) {
        lineage.length = i + 1;
        continue;
      }
    }
    if (lineage.at(-1) !== entry.to) lineage.push(entry.to);
  }
  if (current !== undefined && lineage.at(-1) !== current) lineage.push(current);
  return lineage;
}

/** Every digest the entries name, from or to: what `--to` may choose. Pure. */
export function digestsInHistory(entries: readonly Pick<TagHistoryEntry, 'from' | 'to'>[]): Set<Digest> {
  const found = new Set<Digest>();
  for (const e of entries) {
    if (e.from !== undefined) found.add(e.from);
    if (e.to !== undefined) found.add(e.to);
  }
  return found;
}
