import type { Readable } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';

/** A tar entry's content stream (streamx) with its header. */
type TarEntry = AsyncIterable<Buffer> & { header: Header; resume(): unknown };
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import { decompressLayer, type DetectedCompression } from './decompress.ts';
import { normalizeEntryPath } from './entry-path.ts';
import { DEFAULT_MAX_ZSTD_WINDOW_BYTES } from './zstd-stream.ts';

/** Bounds on what reading layers may cost; past one, reading stops with IMAGE_LIMIT_EXCEEDED. */
export interface LayerLimits {
  /** Uncompressed tar bytes (the decompression bomb bound), over all layers read with one budget. */
  maxUncompressedBytes: number;
  /** Tar entries, over all layers read with one budget. */
  maxEntries: number;
  /** Bytes of an entry name or link target. */
  maxPathBytes: number;
  /** The most `LayerEntry.read()` holds in memory for one entry. */
  maxEntryReadBytes: number;
  /** The largest zstd window a frame may ask the decoder to allocate. */
  maxZstdWindowBytes: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  maxUncompressedBytes: 32 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxPathBytes: 4096,
  maxEntryReadBytes: 64 * 1024 * 1024,
  maxZstdWindowBytes: DEFAULT_MAX_ZSTD_WINDOW_BYTES,
};

/** What remains of the limits; share one between the layers of an image so the bounds apply to the whole. */
export interface ReadBudget {
  uncompressedBytes: number;
  entries: number;
}

export function newBudget(limits: LayerLimits): ReadBudget {
  return { uncompressedBytes: limits.maxUncompressedBytes, entries: limits.maxEntries };
}

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo';

/** Something in a layer that a user should hear about, though reading went on. */
export interface LayerIssue {
  kind: 'absolute-path' | 'path-escape' | 'link-escape' | 'unsupported-entry' | 'content-too-large' | 'content-unavailable';
  /** The entry name as written in the tar (or the normalized path for content issues). */
  path: string;
  message: string;
}

/** One tar entry, normalized. Its content can be read only before the iteration moves on, and only once. */
export interface LayerEntry {
  path: string;
  type: EntryType;
  /** Content bytes (0 for everything but files). */
  sizeBytes: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  /** Symlinks: the target as written. Hardlinks: the normalized path of the entry linked to. */
  linkTarget: string | undefined;
  /** The whole content in memory; throws IMAGE_LIMIT_EXCEEDED over `maxBytes` (default maxEntryReadBytes). */
  read(maxBytes?: number): Promise<Buffer>;
  /** The content in chunks, for hashing or copying without holding it. */
  content(): AsyncIterable<Buffer>;
}

export interface ReadLayerOptions {
  limits?: Partial<LayerLimits>;
  /** Shared remaining limits; a fresh one from `limits` when absent. */
  budget?: ReadBudget;
  onIssue?: (issue: LayerIssue) => void;
  /** Told the compression once the first bytes are seen. */
  onCompression?: (compression: DetectedCompression) => void;
}

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

function limitError(message: string, limit: keyof LayerLimits, value: number): BerthError {
  return new BerthError('IMAGE_LIMIT_EXCEEDED', { message, detail: { limit, value } });
}

/** Errors from zlib, fzstd and the tar parser mean a corrupt layer; ours pass through. */
function asLayerError(err: unknown): Error {
  if (isBerthError(err)) return err;
  return new BerthError('IMAGE_INVALID', { message: `layer cannot be read: ${(err as Error)?.message ?? String(err)}`, cause: err });
}

/** Feeds the uncompressed bytes into the tar parser, counting them against the budget. */
async function feed(stream: Readable, parser: ReturnType<typeof tarExtract>, budget: ReadBudget, limits: LayerLimits): Promise<void> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      budget.uncompressedBytes -= chunk.length;
      if (budget.uncompressedBytes < 0) {
        throw limitError(`layer content exceeds the limit of ${limits.maxUncompressedBytes} uncompressed bytes`, 'maxUncompressedBytes', limits.maxUncompressedBytes);
      }
      if (parser.destroyed) return;
      if (!parser.write(chunk)) await new Promise<void>((resolve) => {
        const done = (): void => {
          parser.off('drain', done);
          parser.off('close', done);
          resolve();
        };
        parser.on('drain', done);
        parser.on('close', done);
      });
    }
    parser.end(undefined);
  } catch (err) {
    stream.destroy();
    parser.destroy(asLayerError(err));
  }
}

function makeEntry(tar: TarEntry, fields: Omit<LayerEntry, 'read' | 'content'>, limits: LayerLimits): LayerEntry & { isConsumed(): boolean } {
  let isTaken = false;
  const take = (): AsyncIterable<Buffer> => {
    if (isTaken) throw new Error(`the content of ${fields.path} was already read`);
    isTaken = true;
    return tar as AsyncIterable<Buffer>;
  };
  return {
    ...fields,
    isConsumed: () => isTaken,
    async read(maxBytes = limits.maxEntryReadBytes) {
      if (fields.sizeBytes > maxBytes) {
        throw limitError(`${fields.path} is ${fields.sizeBytes} bytes, more than the ${maxBytes} that may be read into memory`, 'maxEntryReadBytes', maxBytes);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of take()) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    content: take,
  };
}

/**
 * The entries of a layer blob, streamed: gzip, zstd or plain tar (told by the bytes), ustar/PAX/GNU names
 * (long names and PAX sizes applied). Names are normalized: a leading '/' is removed and reported; an entry
 * (or hardlink target) that climbs out of the root with '..' is skipped and reported, as runtimes refuse to
 * unpack it; the root entry itself ('./') is skipped; unsupported types are skipped and reported. An
 * entry's content not read by the consumer is skipped. Throws IMAGE_LIMIT_EXCEEDED past a limit and
 * IMAGE_INVALID for corrupt data. Stopping the iteration early releases `source`.
 */
export async function* readLayer(source: Readable, opts: ReadLayerOptions = {}): AsyncGenerator<LayerEntry> {
  const limits = { ...DEFAULT_LAYER_LIMITS, ...opts.limits };
  const budget = opts.budget ?? newBudget(limits);
  const report = opts.onIssue ?? (() => {});
  let decompressed: Readable;
  try {
    const opened = await decompressLayer(source, { maxZstdWindowBytes: limits.maxZstdWindowBytes });
    opts.onCompression?.(opened.compression);
    decompressed = opened.stream;
  } catch (err) {
    source.destroy();
    throw asLayerError(err);
  }
  decompressed.once('error', () => {}); // surfaced through the parser, which feed() destroys with it
  const parser = tarExtract();
  const feeding = feed(decompressed, parser, budget, limits);
  try {
    for await (const tar of parser as unknown as AsyncIterable<TarEntry>) {
      const header: Header = tar.header;
      budget.entries -= 1;
      if (budget.entries < 0) throw limitError(`layers hold more than ${limits.maxEntries} entries`, 'maxEntries', limits.maxEntries);
      const entry = toEntry(tar, header, limits, report);
      if (entry) {
        yield entry;
        if (!entry.isConsumed()) tar.resume();
      } else {
        tar.resume();
      }
    }
  } catch (err) {
    throw asLayerError(err);
  } finally {
    if (!parser.destroyed) parser.destroy();
    decompressed.destroy();
    await feeding;
  }
}

function toEntry(tar: TarEntry, header: Header, limits: LayerLimits, report: (issue: LayerIssue) => void): (LayerEntry & { isConsumed(): boolean }) | undefined {
  const rawName = header.name;
  if (Buffer.byteLength(rawName) > limits.maxPathBytes || Buffer.byteLength(header.linkname ?? '') > limits.maxPathBytes) {
    throw limitError(`an entry name or link target is longer than ${limits.maxPathBytes} bytes`, 'maxPathBytes', limits.maxPathBytes);
  }
  // Unknown type flags (GNU sparse, volume labels, ...) come through as null whatever the typings say.
  const type = header.type ? TYPES[header.type] : undefined;
  if (!type) {
    report({ kind: 'unsupported-entry', path: rawName, message: `entry ${rawName} has unsupported type ${String(header.type ?? 'unknown')}; skipped` });
    return undefined;
  }
  const name = normalizeEntryPath(rawName);
  if (name.escapesRoot) {
    report({ kind: 'path-escape', path: rawName, message: `entry ${rawName} climbs out of the image root; skipped (runtimes refuse such layers)` });
    return undefined;
  }
  if (name.path === '') return undefined;
  if (name.wasAbsolute) report({ kind: 'absolute-path', path: rawName, message: `entry ${rawName} has an absolute name; read as ${name.path}` });
  let linkTarget = header.linkname ?? undefined;
  if (type === 'hardlink') {
    const target = normalizeEntryPath(linkTarget ?? '');
    if (target.escapesRoot || target.path === '') {
      report({ kind: 'link-escape', path: rawName, message: `hardlink ${rawName} points at ${linkTarget ?? ''}, outside the image root; skipped` });
      return undefined;
    }
    linkTarget = target.path;
  }
  return makeEntry(
    tar,
    {
      path: name.path,
      type,
      sizeBytes: type === 'file' ? (header.size ?? 0) : 0,
      mode: (header.mode ?? 0) & 0o7777,
      uid: header.uid ?? 0,
      gid: header.gid ?? 0,
      mtimeMs: header.mtime ? header.mtime.getTime() : 0,
      linkTarget: type === 'symlink' || type === 'hardlink' ? linkTarget : undefined,
    },
    limits,
  );
}
