import type { ResolvedImage } from '../image/image-resolve.ts';
import type { BaseImageCatalog, BaseImageEvidence, BaseImageReport, LayerKey } from './analysis.types.ts';

export const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';

/** `FROM [--platform=...] image[:tag|@digest] [AS stage]` as some builders (buildah, kaniko) record it in history. */
const HISTORY_FROM_RE = /(?:^|\s)FROM\s+(?:--platform=\S+\s+)?([^\s]+)/i;

export function configLabels(image: ResolvedImage): Record<string, string> {
  const labels = (image.config.json.config as { Labels?: unknown } | undefined)?.Labels;
  if (typeof labels !== 'object' || labels === null) return {};
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The images named in history `FROM` lines, bottom first. */
export function historyBaseNames(image: ResolvedImage): string[] {
  return image.config.history.flatMap((h) => {
    const m = h.createdBy ? HISTORY_FROM_RE.exec(h.createdBy) : null;
    return m && m[1]!.toLowerCase() !== 'scratch' ? [m[1]!] : [];
  });
}

function namedBase(image: ResolvedImage): { name: string | null; digest: string | null; evidence: BaseImageEvidence } | undefined {
  const fromAnnotations = { name: image.annotations[BASE_NAME_ANNOTATION] ?? null, digest: image.annotations[BASE_DIGEST_ANNOTATION] ?? null };
  if (fromAnnotations.name || fromAnnotations.digest) return { ...fromAnnotations, evidence: 'annotation' };
  const labels = configLabels(image);
  if (labels[BASE_NAME_ANNOTATION] || labels[BASE_DIGEST_ANNOTATION]) return { name: labels[BASE_NAME_ANNOTATION] ?? null, digest: labels[BASE_DIGEST_ANNOTATION] ?? null, evidence: 'label' };
  return undefined;
}

/** Sizes of the bottom `count` layers and of the rest, given each layer's compressed and uncompressed bytes. */
function split(layers: ReadonlyArray<{ compressedBytes: number; uncompressedBytes: number }>, count: number): Pick<BaseImageReport, 'baseBytes' | 'ownBytes'> {
  const sum = (part: typeof layers) => ({ compressed: part.reduce((s, l) => s + l.compressedBytes, 0), uncompressed: part.reduce((s, l) => s + l.uncompressedBytes, 0) });
  return { baseBytes: sum(layers.slice(0, count)), ownBytes: sum(layers.slice(count)) };
}

/**
 * The base image: named by the base.name/base.digest annotations (manifest) or labels (config); else the
 * catalog's longest layer-prefix match; else the last `FROM` a history line shows. The base's layer count (hence
 * the base/own split) comes from the catalog only, which is also asked when annotations name the base.
 */
export async function recogniseBase(
  image: ResolvedImage,
  sizes: ReadonlyArray<{ compressedBytes: number; uncompressedBytes: number }>,
  catalog: BaseImageCatalog | undefined,
): Promise<BaseImageReport> {
  const named = namedBase(image);
  const keys: LayerKey[] = image.layers.map((l) => ({ digest: l.digest, diffId: l.diffId ?? null }));
  const match = catalog ? await catalog.findByLayerPrefix(keys, image.manifest.digest) : undefined;
  const unknown = { layerCount: null, baseBytes: null, ownBytes: null };
  if (named) {
    const counted = match && (!named.digest || named.digest === match.digest) ? { layerCount: match.layerCount, ...split(sizes, match.layerCount) } : unknown;
    return { name: named.name, digest: named.digest, evidence: named.evidence, ...counted };
  }
  if (match) return { name: match.name, digest: match.digest, evidence: 'layer-prefix', layerCount: match.layerCount, ...split(sizes, match.layerCount) };
  const fromHistory = historyBaseNames(image).at(-1);
  if (fromHistory) return { name: fromHistory, digest: null, evidence: 'history', ...unknown };
  return { name: null, digest: null, evidence: null, ...unknown };
}
