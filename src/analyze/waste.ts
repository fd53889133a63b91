import type { FinalFiles, LayerWalk } from '../image/filesystem-walk.ts';
import type { DuplicateGroup, WasteReport } from './analysis.types.ts';
import type { FileVersion } from './file-scanner.ts';

/**
 * Berth's efficiency: total = the bytes of every regular-file entry of every layer (each version of a path
 * counted once per layer that writes it); wasted = the bytes of every version a later layer overwrites or deletes
 * (whiteout, opaque directory, or a file/directory put in its place), plus versions a later entry of the same
 * layer replaces; efficiency = (total - wasted) / total, which is the share of file bytes that reach the final
 * filesystem (1 when there are no file bytes). Hardlinks, symlinks and directories carry 0 bytes.
 */
export const EFFICIENCY_DEFINITION =
  'efficiency = (layerFileBytes - wastedBytes) / layerFileBytes, where layerFileBytes sums every regular-file entry of every layer and wastedBytes sums every version a later layer (or a later entry of the same layer) overwrites or deletes; 1 when layerFileBytes is 0';

/**
 * dive (wagoodman/dive, filetree/efficiency.go): per path, over the leaf nodes of each layer's tree, the sum of
 * the node sizes (cumulative) and the smallest one (a whiteout of a file counts 0, a whiteout of a directory the
 * bytes below it); score = sum of smallest / sum of cumulative; "potential wasted space" = the cumulative bytes of
 * every path seen in two or more layers. Directories are left out here: their size is 0 either way.
 */
export const DIVE_DEFINITION =
  "dive's score = sum over paths of the smallest version / sum over paths of all versions (a file whiteout counts 0, a directory whiteout the bytes below it); dive wastedBytes = all versions' bytes of every path seen in two or more layers";

function diveScore(layers: readonly LayerWalk[]): { score: number; wastedBytes: number } {
  const paths = new Map<string, { cumulative: number; min: number; nodes: number }>();
  for (const layer of layers) {
    for (const change of layer.changes) {
      if (change.kind !== 'deleted' && change.type === 'directory') continue;
      const size = change.kind === 'deleted' ? (change.type === 'directory' ? change.sizeBytes : 0) : change.sizeBytes;
      const data = paths.get(change.path);
      if (data) {
        data.cumulative += size;
        data.min = Math.min(data.min, size);
        data.nodes++;
      } else {
        paths.set(change.path, { cumulative: size, min: size, nodes: 1 });
      }
    }
  }
  let minimum = 0;
  let cumulative = 0;
  let wasted = 0;
  for (const data of paths.values()) {
    minimum += data.min;
    cumulative += data.cumulative;
    if (data.nodes >= 2) wasted += data.cumulative;
  }
  return { score: cumulative === 0 ? 1 : minimum / cumulative, wastedBytes: wasted };
}

/** Versions with the same content (sha256, non-empty) at two or more paths or layers. */
export function duplicateGroups(versions: readonly FileVersion[], files: FinalFiles): DuplicateGroup[] {
  const byHash = new Map<string, FileVersion[]>();
  for (const v of versions) {
    if (!v.sha256 || v.sizeBytes === 0) continue;
    const list = byHash.get(v.sha256);
    if (list) list.push(v);
    else byHash.set(v.sha256, [v]);
  }
  const groups: DuplicateGroup[] = [];
  for (const [sha256, list] of byHash) {
    if (list.length < 2) continue;
    const copies = list.map((v) => {
      const final = files.get(v.path);
      return { path: v.path, layer: v.layer, isFinal: final?.layer === v.layer && final.sha256 === sha256 };
    });
    groups.push({ sha256, sizeBytes: list[0]!.sizeBytes, copies, wastedBytes: (list.length - 1) * list[0]!.sizeBytes });
  }
  return groups.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.sha256 < b.sha256 ? -1 : 1));
}

export function wasteReport(layers: readonly LayerWalk[], files: FinalFiles, versions: readonly FileVersion[]): WasteReport {
  const layerFileBytes = layers.reduce((sum, l) => sum + l.fileBytes, 0);
  const wastedBytes = layers.reduce((sum, l) => sum + l.hiddenBytes, 0);
  const deletedBytes = layers.reduce((sum, l) => sum + l.changes.reduce((s, c) => s + (c.kind === 'deleted' ? c.sizeBytes : 0), 0), 0);
  const duplicates = duplicateGroups(versions, files);
  return {
    definition: EFFICIENCY_DEFINITION,
    efficiency: layerFileBytes === 0 ? 1 : (layerFileBytes - wastedBytes) / layerFileBytes,
    layerFileBytes,
    wastedBytes,
    overwrittenBytes: wastedBytes - deletedBytes,
    deletedBytes,
    dive: { ...diveScore(layers), definition: DIVE_DEFINITION },
    duplicates,
    duplicateBytes: duplicates.reduce((sum, g) => sum + g.wastedBytes, 0),
  };
}
