import type { FinalFiles, LayerWalk } from '../image/filesystem-walk.ts';
import type { SecretFinding } from './analysis.types.ts';
import type { RawSecret } from './file-scanner.ts';

function covers(changePath: string, path: string): boolean {
  return path === changePath || path.startsWith(`${changePath}/`);
}

/** The first layer above `layer` that replaced or deleted `path` (or a directory above it). */
function removedIn(path: string, layer: number, layers: readonly LayerWalk[]): number | null {
  for (const l of layers) {
    if (l.index <= layer) continue;
    if (l.changes.some((c) => (c.kind === 'deleted' && covers(c.path, path)) || (c.kind === 'modified' && c.path === path))) return l.index;
  }
  return null;
}

/** Findings with where they stand in the final filesystem, ordered by layer then path. */
export function secretFindings(raw: readonly RawSecret[], files: FinalFiles, layers: readonly LayerWalk[]): SecretFinding[] {
  return raw
    .map((s): SecretFinding => {
      const final = files.get(s.path);
      const isPresentInFinal = final !== undefined && final.layer === s.layer && final.type === 'file';
      return { kind: s.kind, path: s.path, layer: s.layer, sizeBytes: s.sizeBytes, detail: s.detail, isPresentInFinal, removedInLayer: isPresentInFinal ? null : removedIn(s.path, s.layer, layers) };
    })
    .sort((a, b) => a.layer - b.layer || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
