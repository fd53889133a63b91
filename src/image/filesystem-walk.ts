import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DetectedCompression } from './decompress.ts';
import { baseName, parentPath } from './entry-path.ts';
import { FsTree, type FileRecord, type NodeData, type Removed } from './fs-tree.ts';
import { DEFAULT_LAYER_LIMITS, newBudget, readLayer, type EntryType, type LayerEntry, type LayerIssue, type LayerLimits } from './layer-reader.ts';

export type { FileRecord } from './fs-tree.ts';

/** A layer to apply: opened when its turn comes, read once. */
export interface WalkLayer {
  digest?: string;
  open(): Promise<Readable>;
}

/** What one layer did to the filesystem below it. */
export interface LayerChange {
  path: string;
  kind: 'added' | 'modified' | 'deleted';
  type: EntryType;
  /** Added/modified: the new version's bytes. Deleted: the bytes of lower-layer files the deletion removed. */
  sizeBytes: number;
  /** Modified and deleted: the layer whose version was replaced or removed. */
  previousLayer?: number;
  /** Modified: the replaced version's bytes (0 for a directory; its removed files are `deleted` changes). */
  previousSizeBytes?: number;
  /** Deleted: files removed (a whiteout of a directory removes everything below it). */
  fileCount?: number;
}

export interface LayerWalk {
  index: number;
  digest: string | undefined;
  compression: DetectedCompression | undefined;
  /** Bytes of the uncompressed tar. */
  uncompressedBytes: number;
  entryCount: number;
  changes: LayerChange[];
  /** Bytes this layer's files put in (every file entry, whether or not it reaches the final filesystem). */
  fileBytes: number;
  /** Bytes of lower-layer files this layer replaced or deleted: they stay in the image but are unseen. */
  hiddenBytes: number;
}

export interface WalkIssue extends LayerIssue {
  layer: number;
}

export interface WalkResult {
  layers: LayerWalk[];
  /** The merged final filesystem. */
  files: FinalFiles;
  /** Content captured for `wantContent`, final versions only: keys are paths in `files`. */
  contents: Map<string, Buffer>;
  issues: WalkIssue[];
  /** Issues past the first MAX_ISSUES, counted but not kept. */
  droppedIssueCount: number;
}

/** Read access to the merged filesystem. */
export interface FinalFiles {
  get(path: string): FileRecord | undefined;
  /** Parents before children, siblings by name. */
  entries(): Iterable<FileRecord>;
  /** Number of paths (directories included). */
  readonly size: number;
  /** `path` with symlinks followed, undefined when dangling or looping. */
  resolve(path: string): string | undefined;
}

export interface WalkOptions {
  limits?: Partial<LayerLimits>;
  /**
   * Asked for each regular file (and hardlink) as it streams by: true captures its content. Only the version
   * that reaches the final filesystem is returned, so a later layer overriding or deleting it wins.
   */
  wantContent?: (path: string, file: { layer: number; sizeBytes: number; type: EntryType }) => boolean;
  /** Largest single file captured (default limits.maxEntryReadBytes); larger ones give a content-too-large issue. */
  maxContentBytes?: number;
  /** Captured bytes held at once over the walk (default 256 MiB); past it, files give a content-too-large issue. */
  maxTotalContentBytes?: number;
  /** Hash every regular file (FileRecord.sha256), for finding duplicate content. */
  hashContent?: boolean;
  /**
   * Asked for each regular file as it streams by, every version (including ones a later layer overwrites or
   * deletes): a scanner returned sees the content in order, then `end` with the sha256 when hashContent is on.
   */
  scanFile?: (path: string, file: { layer: number; sizeBytes: number }) => FileScanner | undefined;
  onIssue?: (issue: WalkIssue) => void;
  /** Called after each layer, for progress. */
  onLayer?: (layer: LayerWalk) => void;
}

/** Sees one file version's content (see WalkOptions.scanFile). */
export interface FileScanner {
  update(chunk: Buffer): void;
  end(sha256: string | undefined): void;
}

export const MAX_ISSUES = 1000;
const DEFAULT_MAX_TOTAL_CONTENT_BYTES = 256 * 1024 * 1024;
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * Applies `layers` in order with OCI whiteout semantics (`.wh.<name>` removes a lower path and all below it;
 * `.wh..wh..opq` hides a directory's lower contents; both spare what their own layer writes; other
 * `.wh..wh.` metadata files are ignored), streaming each layer once. Memory grows with the number of paths
 * plus the captured content. Limits (see LayerLimits) apply to the image as a whole. Throws
 * IMAGE_LIMIT_EXCEEDED, IMAGE_INVALID, or whatever opening a layer throws.
 */
export async function walkLayers(layers: readonly WalkLayer[], opts: WalkOptions = {}): Promise<WalkResult> {
  const limits = { ...DEFAULT_LAYER_LIMITS, ...opts.limits };
  const budget = newBudget(limits);
  const tree = new FsTree();
  const capture = new ContentCapture(opts.maxContentBytes ?? limits.maxEntryReadBytes, opts.maxTotalContentBytes ?? DEFAULT_MAX_TOTAL_CONTENT_BYTES);
  const issues: WalkIssue[] = [];
  let droppedIssueCount = 0;
  const walks: LayerWalk[] = [];

  for (const [index, layer] of layers.entries()) {
    const report = (issue: LayerIssue): void => {
      const full = { ...issue, layer: index };
      if (issues.length < MAX_ISSUES) issues.push(full);
      else droppedIssueCount++;
      opts.onIssue?.(full);
    };
    const walk: LayerWalk = { index, digest: layer.digest, compression: undefined, uncompressedBytes: 0, entryCount: 0, changes: [], fileBytes: 0, hiddenBytes: 0 };
    const before = budget.uncompressedBytes;
    const noteRemoved = (removed: Removed[]): void => {
      for (const r of removed) {
        for (const path of r.paths) capture.drop(path);
        walk.hiddenBytes += r.sizeBytes;
      }
    };
    const entries = readLayer(await layer.open(), { limits, budget, onIssue: report, onCompression: (c) => (walk.compression = c) });
    for await (const entry of entries) {
      walk.entryCount++;
      const name = baseName(entry.path);
      if (name.startsWith(WHITEOUT_PREFIX)) {
        const dir = parentPath(entry.path);
        const removed = name === OPAQUE_MARKER ? tree.clearLowerChildren(dir, index) : name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`) ? [] : tree.removeLower(joinPath(dir, name.slice(WHITEOUT_PREFIX.length)), index);
        noteRemoved(removed);
        for (const r of removed) walk.changes.push({ path: r.paths[0]!, kind: 'deleted', type: r.type, sizeBytes: r.sizeBytes, previousLayer: r.layer, fileCount: r.fileCount });
        continue;
      }
      const data: NodeData = {
        layer: index,
        type: entry.type,
        sizeBytes: entry.sizeBytes,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
      };
      if (entry.type === 'file') walk.fileBytes += entry.sizeBytes;
      await consumeContent(entry, data, capture, opts, report);
      const { previous, removed } = tree.put(entry.path, data);
      noteRemoved(removed);
      if (!previous) {
        walk.changes.push({ path: entry.path, kind: 'added', type: entry.type, sizeBytes: entry.sizeBytes });
      } else if (!(previous.type === 'directory' && entry.type === 'directory')) {
        walk.hiddenBytes += previous.sizeBytes;
        walk.changes.push({ path: entry.path, kind: 'modified', type: entry.type, sizeBytes: entry.sizeBytes, previousLayer: previous.layer, previousSizeBytes: previous.sizeBytes });
      }
    }
    walk.uncompressedBytes = before - budget.uncompressedBytes;
    walks.push(walk);
    opts.onLayer?.(walk);
  }
  return { layers: walks, files: tree, contents: capture.final(tree), issues, droppedIssueCount };
}

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Reads the entry's content when the consumer wants it or hashes are asked for; otherwise it is skipped. */
async function consumeContent(entry: LayerEntry, data: NodeData, capture: ContentCapture, opts: WalkOptions, report: (issue: LayerIssue) => void): Promise<void> {
  const isWanted = (entry.type === 'file' || entry.type === 'hardlink') && opts.wantContent?.(entry.path, { layer: data.layer, sizeBytes: entry.sizeBytes, type: entry.type }) === true;
  capture.drop(entry.path);
  if (entry.type === 'hardlink') {
    if (!isWanted) return;
    const target = capture.get(entry.linkTarget!);
    if (target) capture.keep(entry.path, target);
    else report({ kind: 'content-unavailable', path: entry.path, message: `${entry.path} is a hardlink to ${entry.linkTarget}, whose content was not captured` });
    return;
  }
  if (entry.type !== 'file') return;
  const canCapture = isWanted && capture.canHold(entry.sizeBytes);
  if (isWanted && !canCapture) {
    report({ kind: 'content-too-large', path: entry.path, message: `${entry.path} (${entry.sizeBytes} bytes) is over the content capture limits; not captured` });
  }
  const scanner = opts.scanFile?.(entry.path, { layer: data.layer, sizeBytes: entry.sizeBytes });
  if (canCapture) {
    const bytes = await entry.read(entry.sizeBytes);
    capture.keep(entry.path, bytes);
    if (opts.hashContent) data.sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    scanner?.update(bytes);
  } else if (opts.hashContent || scanner) {
    const hash = opts.hashContent ? createHash('sha256') : undefined;
    for await (const chunk of entry.content()) {
      hash?.update(chunk);
      scanner?.update(chunk);
    }
    if (hash) data.sha256 = `sha256:${hash.digest('hex')}`;
  }
  scanner?.end(data.sha256);
}

/** Captured file contents, replaced and dropped as later layers change those paths. */
class ContentCapture {
  private readonly held = new Map<string, Buffer>();
  private heldBytes = 0;

  constructor(
    private readonly maxFileBytes: number,
    private readonly maxTotalBytes: number,
  ) {}

  canHold(sizeBytes: number): boolean {
    return sizeBytes <= this.maxFileBytes && this.heldBytes + sizeBytes <= this.maxTotalBytes;
  }

  get(path: string): Buffer | undefined {
    return this.held.get(path);
  }

  keep(path: string, bytes: Buffer): void {
    this.drop(path);
    this.held.set(path, bytes);
    this.heldBytes += bytes.length;
  }

  drop(path: string): void {
    const bytes = this.held.get(path);
    if (!bytes) return;
    this.held.delete(path);
    this.heldBytes -= bytes.length;
  }

  /** What survives: only paths that are still in the final filesystem (belt and braces over `drop`). */
  final(tree: FsTree): Map<string, Buffer> {
    return new Map([...this.held].filter(([path]) => tree.get(path) !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
