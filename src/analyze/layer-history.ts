import type { HistoryEntry } from '../image/image-resolve.ts';
import type { HistoryLine } from './analysis.types.ts';

/**
 * Pairs history lines with layers as docker and dive do: lines marked `empty_layer` (ENV, CMD, LABEL, ...) made
 * no layer; every other line made the next layer, bottom first. A config with fewer non-empty lines than layers
 * leaves the top layers without one; extra lines get no layer.
 */
export function matchHistory(history: readonly HistoryEntry[], layerCount: number): { lines: HistoryLine[]; byLayer: Array<number | null> } {
  const byLayer: Array<number | null> = new Array(layerCount).fill(null);
  let next = 0;
  const lines = history.map((h, i): HistoryLine => {
    let layer: number | null = null;
    if (!h.isEmptyLayer && next < layerCount) {
      layer = next++;
      byLayer[layer] = i;
    }
    return { created: h.created ?? null, createdBy: h.createdBy ?? null, comment: h.comment ?? null, isEmptyLayer: h.isEmptyLayer, layer };
  });
  return { lines, byLayer };
}
