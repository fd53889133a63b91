import { walkLayers, type LayerWalk, type WalkLayer } from '../image/filesystem-walk.ts';
import type { ImageSource } from '../image/image-source.ts';
import { resolveImages, type PlatformChoice, type ResolvedImage } from '../image/image-resolve.ts';
import type { LayerLimits } from '../image/layer-reader.ts';
import { advise } from './advise.ts';
import { ANALYSIS_SCHEMA_VERSION, type AnalysisProgress, type BaseImageCatalog, type FinalFile, type ImageAnalysis, type LayerAnalysis, type PlatformImageAnalysis } from './analysis.types.ts';
import { historyBaseNames, recogniseBase } from './base-image.ts';
import { FileContentScan } from './file-scanner.ts';
import { matchHistory } from './layer-history.ts';
import { trackedStream } from './layer-stream.ts';
import { isPackageDbPath, packageInventory } from './package-db.ts';
import { runConfigSummary } from './run-config.ts';
import { secretFindings } from './secret-findings.ts';
import { wasteReport } from './waste.ts';

export interface AnalyzeOptions {
  /** One platform of an index (default linux/amd64) or 'all'. */
  platform?: PlatformChoice;
  /** Where a base image is looked up by layer prefix; without one, only annotations, labels and history name it. */
  baseCatalog?: BaseImageCatalog;
  /** Bounds on reading the layers (see LayerLimits); they apply to each image. */
  limits?: Partial<LayerLimits>;
  /** Told how reading goes: at each layer start and end, and every MiB of compressed bytes. */
  onProgress?: (progress: AnalysisProgress) => void;
  /** Aborting stops reading at once; analyzeImage then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Analyses the image(s) `source` names: layers and history, per-layer changes and the final filesystem, waste and
 * duplicates, base image, secrets and advice. Each layer is streamed once; memory grows with the number of paths,
 * not with bytes. No I/O but through `source` (and `baseCatalog`). Throws what the source throws (MANIFEST_UNKNOWN,
 * BLOB_UNKNOWN, a registry client's errors), IMAGE_INVALID for content that cannot be read, IMAGE_LIMIT_EXCEEDED
 * past a limit, and the signal's reason once aborted.
 */
export async function analyzeImage(source: ImageSource, opts: AnalyzeOptions = {}): Promise<ImageAnalysis> {
  opts.signal?.throwIfAborted();
  try {
    const images = await resolveImages(source, opts.platform ? { platform: opts.platform } : {});
    const top = images[0]!.index ?? images[0]!.manifest;
    const analysed: PlatformImageAnalysis[] = [];
    for (const [i, image] of images.entries()) analysed.push(await analyzeOne(source, image, i, images.length, opts));
    return { schemaVersion: ANALYSIS_SCHEMA_VERSION, source: source.description, digest: top.digest, mediaType: top.mediaType, images: analysed };
  } catch (err) {
    // An abort surfaces from the layer reader as a corrupt-layer error; the caller asked for the abort, say so.
    opts.signal?.throwIfAborted();
    throw err;
  }
}

function walkable(source: ImageSource, image: ResolvedImage, imageIndex: number, imageCount: number, opts: AnalyzeOptions): WalkLayer[] {
  const total = image.layers.reduce((s, l) => s + l.sizeBytes, 0);
  let done = 0;
  const report = (layerIndex: number, inLayer: number): void =>
    opts.onProgress?.({ imageIndex, imageCount, platform: image.platform ?? null, layerIndex, layerCount: image.layers.length, compressedBytesRead: done + inLayer, compressedBytesTotal: total });
  return image.layers.map((layer) => ({
    digest: layer.digest,
    open: async () => {
      report(layer.index, 0);
      const stream = trackedStream(await source.openBlob(layer.digest), (read) => report(layer.index, read), opts.signal);
      stream.once('end', () => (done += layer.sizeBytes));
      return stream;
    },
  }));
}

function layerAnalysis(image: ResolvedImage, walk: LayerWalk, historyIndex: number | null, isBase: boolean): LayerAnalysis {
  const ref = image.layers[walk.index]!;
  const h = historyIndex !== null ? image.config.history[historyIndex] : undefined;
  const summary = { added: 0, modified: 0, deleted: 0, addedBytes: 0, modifiedBytes: 0, deletedBytes: 0 };
  for (const c of walk.changes) {
    summary[c.kind]++;
    if (c.kind === 'deleted') summary.deletedBytes += c.sizeBytes;
    else if (c.type === 'file') summary[c.kind === 'added' ? 'addedBytes' : 'modifiedBytes'] += c.sizeBytes;
  }
  return {
    index: ref.index,
    digest: ref.digest,
    diffId: ref.diffId ?? null,
    mediaType: ref.mediaType,
    compression: ref.compression,
    detectedCompression: walk.compression ?? null,
    compressedBytes: ref.sizeBytes,
    uncompressedBytes: walk.uncompressedBytes,
    fileBytes: walk.fileBytes,
    entryCount: walk.entryCount,
    createdBy: h?.createdBy ?? null,
    created: h?.created ?? null,
    comment: h?.comment ?? null,
    historyIndex,
    isBase,
    changes: walk.changes,
    summary,
  };
}

async function analyzeOne(source: ImageSource, image: ResolvedImage, imageIndex: number, imageCount: number, opts: AnalyzeOptions): Promise<PlatformImageAnalysis> {
  const scan = new FileContentScan();
  const walk = await walkLayers(walkable(source, image, imageIndex, imageCount, opts), {
    ...(opts.limits ? { limits: opts.limits } : {}),
    hashContent: true,
    scanFile: scan.scanFile,
    wantContent: (path) => isPackageDbPath(path),
  });
  opts.signal?.throwIfAborted();
  const total = image.layers.reduce((s, l) => s + l.sizeBytes, 0);
  opts.onProgress?.({ imageIndex, imageCount, platform: image.platform ?? null, layerIndex: image.layers.length, layerCount: image.layers.length, compressedBytesRead: total, compressedBytesTotal: total });

  const history = matchHistory(image.config.history, image.layers.length);
  const sizes = walk.layers.map((w) => ({ compressedBytes: image.layers[w.index]!.sizeBytes, uncompressedBytes: w.uncompressedBytes }));
  const base = await recogniseBase(image, sizes, opts.baseCatalog);
  const layers = walk.layers.map((w) => layerAnalysis(image, w, history.byLayer[w.index] ?? null, base.layerCount !== null && w.index < base.layerCount));
  const finalFiles: FinalFile[] = [];
  for (const f of walk.files.entries()) {
    finalFiles.push({ path: f.path, type: f.type, sizeBytes: f.sizeBytes, layer: f.layer, mode: f.mode, uid: f.uid, gid: f.gid, ...(f.linkTarget !== undefined ? { linkTarget: f.linkTarget } : {}), ...(f.sha256 ? { sha256: f.sha256 } : {}) });
  }
  const regular = finalFiles.filter((f) => f.type === 'file');
  const waste = wasteReport(walk.layers, walk.files, scan.versions);
  const runConfig = runConfigSummary(image);
  const packages = packageInventory(walk.contents);
  const secrets = secretFindings(scan.secrets, walk.files, walk.layers);
  const advice = advise({ layers, finalFiles, waste, base, runConfig, packages, secrets, historyBaseNames: historyBaseNames(image) });
  const created = image.config.json.created;
  return {
    manifestDigest: image.manifest.digest,
    manifestMediaType: image.manifest.mediaType,
    configDigest: image.config.digest,
    platform: image.platform ?? null,
    ...(typeof created === 'string' ? { created } : {}),
    layers,
    history: history.lines,
    totals: {
      layerCount: layers.length,
      compressedBytes: total,
      uncompressedBytes: layers.reduce((s, l) => s + l.uncompressedBytes, 0),
      layerFileBytes: waste.layerFileBytes,
      finalFileBytes: regular.reduce((s, f) => s + f.sizeBytes, 0),
      finalFileCount: regular.length,
      finalPathCount: finalFiles.length,
    },
    finalFiles,
    waste,
    base,
    runConfig,
    packages,
    secrets,
    advice,
    issues: walk.issues,
  };
}
