import { BerthError } from '../errors/berth-error.ts';
import type { Digest } from '../oci/digest.ts';
import { parseManifest, type Descriptor, type Platform } from '../oci/manifest.ts';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.ts';
import { readBounded } from './blob-stream.ts';
import type { WalkLayer } from './filesystem-walk.ts';
import type { ImageSource, SourceManifest } from './image-source.ts';

/** Which images of an index to read: one platform (default linux/amd64) or every platform it lists. */
export type PlatformChoice = Platform | 'all';

export const DEFAULT_IMAGE_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export type LayerCompression = 'gzip' | 'zstd' | 'none' | 'unknown';

/** One layer as the manifest describes it; `index` 0 is the bottom layer. */
export interface LayerRef {
  index: number;
  digest: Digest;
  mediaType: string;
  sizeBytes: number;
  /** What the media type claims; the layer reader decides by the bytes themselves. */
  compression: LayerCompression;
  /** The uncompressed tar's digest from the config's rootfs.diff_ids, when listed. */
  diffId: string | undefined;
  /** Foreign (non-distributable) layers point elsewhere; sources may not hold them. */
  urls?: string[];
}

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  /** A history line that made no layer (ENV, CMD, ...). */
  isEmptyLayer: boolean;
}

/** The image config blob: its exact bytes and the parts every consumer reads. */
export interface ImageConfigBlob {
  digest: Digest;
  bytes: Buffer;
  /** The parsed JSON, for the fields not lifted out here (config.User, config.Healthcheck, ...). */
  json: Record<string, unknown>;
  platform: Platform | undefined;
  history: HistoryEntry[];
  diffIds: string[];
}

/** One image manifest with its config and layers, ready to be walked. */
export interface ResolvedImage {
  manifest: SourceManifest;
  /** The index's platform entry when the image came from an index, else the config's os/architecture. */
  platform: Platform | undefined;
  /** The index the image was chosen from, if any. */
  index: SourceManifest | undefined;
  config: ImageConfigBlob;
  layers: LayerRef[];
  annotations: Record<string, string>;
}

export interface ResolveOptions {
  platform?: PlatformChoice;
  /** Largest config blob read (default 8 MiB); a bigger one throws IMAGE_LIMIT_EXCEEDED. */
  maxConfigBytes?: number;
}

const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
const DEFAULT_MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const MAX_INDEX_DEPTH = 4;

function invalid(message: string, detail?: Record<string, unknown>): BerthError {
  return new BerthError('IMAGE_INVALID', { message, ...(detail ? { detail } : {}) });
}

export function layerCompression(mediaType: string): LayerCompression {
  if (/(\+|\.)gzip$/.test(mediaType)) return 'gzip';
  if (/(\+|\.)zstd$/.test(mediaType)) return 'zstd';
  if (/(\.|layer\.v1\.)tar$/.test(mediaType)) return 'none';
  return 'unknown';
}

function formatPlatform(p: Platform | undefined): string {
  return p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : 'unknown';
}

/** arm64 without a variant is arm64/v8, as containerd's platform matcher treats it. */
function variantOf(p: Platform): string | undefined {
  return p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
}

export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate || candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  return wanted.variant === undefined || variantOf(candidate) === variantOf(wanted);
}

/** Attestations and other non-runnable entries buildx puts in indexes carry the platform unknown/unknown. */
function isRunnable(d: Descriptor): boolean {
  return d.platform !== undefined && d.platform.os !== 'unknown' && d.platform.architecture !== 'unknown';
}

function parseHistory(value: unknown): HistoryEntry[] {
  if (!Array.isArray(value)) return [];
  return value.map((h: Record<string, unknown>) => ({
    ...(typeof h?.created === 'string' ? { created: h.created } : {}),
    ...(typeof h?.created_by === 'string' ? { createdBy: h.created_by } : {}),
    ...(typeof h?.comment === 'string' ? { comment: h.comment } : {}),
    isEmptyLayer: h?.empty_layer === true,
  }));
}

/** Reads and parses the config blob `descriptor` names, bounded and digest-checked. */
export async function readImageConfig(source: ImageSource, descriptor: Descriptor, maxBytes = DEFAULT_MAX_CONFIG_BYTES): Promise<ImageConfigBlob> {
  const what = `config ${descriptor.digest} of ${source.description}`;
  if (descriptor.size > maxBytes) throw new BerthError('IMAGE_LIMIT_EXCEEDED', { message: `${what} is larger than ${maxBytes} bytes`, detail: { limit: 'maxConfigBytes', maxBytes } });
  const bytes = await readBounded(await source.openBlob(descriptor.digest), maxBytes, what);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(`${what} is not a JSON object`);
  const body = json as Record<string, unknown>;
  const rootfs = body.rootfs as { diff_ids?: unknown } | undefined;
  const diffIds = Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.filter((d): d is string => typeof d === 'string') : [];
  const platform =
    typeof body.os === 'string' && typeof body.architecture === 'string'
      ? { os: body.os, architecture: body.architecture, ...(typeof body.variant === 'string' ? { variant: body.variant } : {}) }
      : undefined;
  return { digest: descriptor.digest, bytes, json: body, platform, history: parseHistory(body.history), diffIds };
}

async function loadImage(source: ImageSource, manifest: SourceManifest, index: SourceManifest | undefined, fromIndex: Platform | undefined, opts: ResolveOptions): Promise<ResolvedImage> {
  const body = JSON.parse(manifest.bytes.toString('utf8')) as { config: unknown; layers: unknown[]; annotations?: Record<string, string> };
  const parsed = parseManifest(manifest.bytes, manifest.mediaType);
  const config = body.config as Descriptor;
  if (!IMAGE_CONFIG_TYPES.has(config.mediaType)) {
    throw invalid(`${source.description} is not a container image: its config is ${config.mediaType}`, { mediaType: config.mediaType });
  }
  const configBlob = await readImageConfig(source, config, opts.maxConfigBytes);
  const layers = (body.layers as Descriptor[]).map((d, i): LayerRef => ({
    index: i,
    digest: d.digest,
    mediaType: d.mediaType,
    sizeBytes: d.size,
    compression: layerCompression(d.mediaType),
    diffId: configBlob.diffIds[i],
    ...(d.urls ? { urls: d.urls } : {}),
  }));
  return { manifest, platform: fromIndex ?? configBlob.platform, index, config: configBlob, layers, annotations: parsed.annotations ?? {} };
}

/**
 * The images the source's reference names. An image manifest gives itself; an index gives the child for
 * `platform` (default linux/amd64; throws MANIFEST_UNKNOWN listing the platforms it has when none matches) or,
 * with 'all', every runnable child (attestations skipped). Nested indexes are followed. Throws MANIFEST_INVALID
 * for malformed manifests and IMAGE_INVALID for artifacts that are not container images.
 */
export async function resolveImages(source: ImageSource, opts: ResolveOptions = {}): Promise<ResolvedImage[]> {
  const choice = opts.platform ?? DEFAULT_IMAGE_PLATFORM;
  const found: ResolvedImage[] = [];
  const visit = async (manifest: SourceManifest, index: SourceManifest | undefined, platform: Platform | undefined, depth: number): Promise<void> => {
    if (!isManifestMediaType(manifest.mediaType)) throw invalid(`${source.description}: unsupported manifest type ${manifest.mediaType}`);
    if (!isIndexMediaType(manifest.mediaType)) {
      found.push(await loadImage(source, manifest, index, platform, opts));
      return;
    }
    if (depth >= MAX_INDEX_DEPTH) throw invalid(`${source.description}: indexes nested deeper than ${MAX_INDEX_DEPTH}`);
    const children = parseManifest(manifest.bytes, manifest.mediaType).manifests.filter(isRunnable);
    const chosen = choice === 'all' ? children : children.filter((d) => platformMatches(d.platform, choice)).slice(0, 1);
    if (chosen.length === 0) {
      const have = children.map((d) => formatPlatform(d.platform)).join(', ') || 'none';
      const wanted = choice === 'all' ? 'any platform' : formatPlatform(choice);
      throw new BerthError('MANIFEST_UNKNOWN', { message: `${source.description} has no image for ${wanted} (it has: ${have})`, detail: { platforms: have } });
    }
    for (const child of chosen) await visit(await source.manifest(child.digest), manifest, child.platform, depth + 1);
  };
  await visit(await source.resolve(), undefined, undefined, 0);
  return found;
}

/** The image's layers as walkLayers takes them, each opened from `source` when its turn comes. */
export function walkableLayers(source: ImageSource, image: ResolvedImage): WalkLayer[] {
  return image.layers.map((layer) => ({ digest: layer.digest, open: () => source.openBlob(layer.digest) }));
}
