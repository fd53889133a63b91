import type { Advice } from './analysis.types.ts';
import { makeAdvice, type AdviceInput } from './advice-kit.ts';

/** A layer under this many uncompressed bytes is "small"; this many of them (above the base) is "many". */
export const SMALL_LAYER_BYTES = 1024 * 1024;
export const MANY_SMALL_LAYERS = 4;
/** Every tar ends with two 512-byte zero blocks: merging k layers into one drops k - 1 of those pairs. */
const TAR_END_BYTES = 1024;

export function combineLayersAdvice(input: AdviceInput): Advice[] {
  const small = input.layers.filter((l) => !l.isBase && l.uncompressedBytes < SMALL_LAYER_BYTES);
  if (small.length < MANY_SMALL_LAYERS) return [];
  return [
    makeAdvice(
      {
        id: 'combine-layers',
        category: 'size',
        severity: 'info',
        title: `${small.length} small layers (under ${SMALL_LAYER_BYTES / 1024} KiB each) could be combined`,
        suggestion: 'Chain related commands into one RUN (cmd1 && cmd2), COPY files together, or build in a stage and COPY the result once: fewer layers pull and unpack faster and repeat fewer directory entries.',
        savesBytes: (small.length - 1) * TAR_END_BYTES,
      },
      small.map((l) => ({ layer: l.index, bytes: l.uncompressedBytes, ...(l.createdBy ? { note: l.createdBy } : {}) })),
    ),
  ];
}

export function deletedFilesAdvice(input: AdviceInput): Advice[] {
  const deletions = input.layers.flatMap((l) => l.changes.filter((c) => c.kind === 'deleted' && c.sizeBytes > 0).map((c) => ({ layer: l.index, change: c })));
  if (deletions.length === 0) return [];
  const savesBytes = deletions.reduce((s, d) => s + d.change.sizeBytes, 0);
  return [
    makeAdvice(
      {
        id: 'deleted-files',
        category: 'size',
        severity: 'warning',
        title: `${deletions.length} path(s) deleted in a later layer still take their bytes in the layers that added them`,
        suggestion: 'Delete files in the same RUN that creates them, keep them out of COPY with .dockerignore, or build in a separate stage and copy only what the runtime needs.',
        savesBytes,
      },
      deletions.map(({ layer, change }) => ({ path: change.path, layer, bytes: change.sizeBytes, note: `added in layer ${change.previousLayer}${change.fileCount && change.fileCount > 1 ? `, ${change.fileCount} files` : ''}, deleted in layer ${layer}` })),
    ),
  ];
}

export function overwrittenFilesAdvice(input: AdviceInput): Advice[] {
  const rewrites = input.layers.flatMap((l) => l.changes.filter((c) => c.kind === 'modified' && (c.previousSizeBytes ?? 0) > 0).map((c) => ({ layer: l.index, change: c })));
  if (rewrites.length === 0) return [];
  return [
    makeAdvice(
      {
        id: 'overwritten-files',
        category: 'size',
        severity: 'info',
        title: `${rewrites.length} file(s) overwritten by a later layer: the old versions still ship`,
        suggestion: 'Write each file once, in its final form (e.g. edit configuration in the RUN that installs it rather than in a later one; chmod/chown in the COPY with --chmod/--chown).',
        savesBytes: rewrites.reduce((s, r) => s + (r.change.previousSizeBytes ?? 0), 0),
      },
      rewrites.map(({ layer, change }) => ({ path: change.path, layer, bytes: change.previousSizeBytes ?? 0, note: `version from layer ${change.previousLayer} replaced in layer ${layer}` })),
    ),
  ];
}

/** Only copies that all reach the final filesystem count: replaced or deleted copies are the advice above. */
export function duplicateFilesAdvice(input: AdviceInput): Advice[] {
  const groups = input.waste.duplicates.map((g) => ({ group: g, finals: g.copies.filter((c) => c.isFinal) })).filter((g) => g.finals.length >= 2);
  if (groups.length === 0) return [];
  return [
    makeAdvice(
      {
        id: 'duplicate-files',
        category: 'size',
        severity: 'info',
        title: `${groups.length} file content(s) stored more than once in the final filesystem`,
        suggestion: 'Keep one copy and link to it (ln -s), or stop copying the same files into several places or stages.',
        savesBytes: groups.reduce((s, g) => s + (g.finals.length - 1) * g.group.sizeBytes, 0),
      },
      groups.flatMap(({ group, finals }) => finals.map((c) => ({ path: c.path, layer: c.layer, bytes: group.sizeBytes, note: `same content as ${finals.length - 1} other path(s) (${group.sha256.slice(0, 19)})` }))),
    ),
  ];
}
