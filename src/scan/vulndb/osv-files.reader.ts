/**
 * Reads OSV records from what operators have on disk: one `.json` file (a record or an array of records), a
 * directory (recursively, `.json` and `.zip` files in name order) or a zip archive such as OSV's per-ecosystem
 * `all.zip`. Archives are read entry by entry from the file (yauzl, random access), so a 1 GB archive never
 * sits in memory; one entry is bounded by `maxEntryBytes`.
 */
import { open, opendir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** One JSON document found, or why a file could not be read (the import goes on and reports it). */
export type OsvItem = { name: string; json: unknown } | { name: string; error: string };

export interface ReadOptions {
  /** Largest single JSON file or archive entry, uncompressed. Default 32 MiB (OSV records are kilobytes). */
  maxEntryBytes?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_ENTRY_BYTES = 32 * 1024 * 1024;

/** Every OSV document under `path`. Throws only when `path` itself cannot be read. */
export async function* readOsvPath(path: string, opts: ReadOptions = {}): AsyncGenerator<OsvItem> {
  const info = await stat(path);
  if (info.isDirectory()) {
    yield* readDirectory(path, opts);
  } else if (await isZip(path)) {
    yield* readZip(path, opts);
  } else {
    yield* readJsonFile(path, path, opts);
  }
}

async function* readDirectory(dir: string, opts: ReadOptions): AsyncGenerator<OsvItem> {
  const names: Array<{ name: string; isDir: boolean }> = [];
  for await (const entry of await opendir(dir)) names.push({ name: entry.name, isDir: entry.isDirectory() });
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, isDir } of names) {
    opts.signal?.throwIfAborted();
    const full = join(dir, name);
    if (isDir) yield* readDirectory(full, opts);
    else if (name.toLowerCase().endsWith('.zip')) yield* readZip(full, opts);
    else if (name.toLowerCase().endsWith('.json')) yield* readJsonFile(full, full, opts);
  }
}

async function* readJsonFile(path: string, name: string, opts: ReadOptions): AsyncGenerator<OsvItem> {
  const max = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const { size } = await stat(path);
  if (size > max) {
    yield { name, error: `larger than ${max} bytes` };
    return;
  }
  yield* parseDocument(name, await readFile(path));
}

/** A record, or each element of an array of records. */
function* parseDocument(name: string, bytes: Buffer): Generator<OsvItem> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    yield { name, error: `not JSON: ${(err as Error).message}` };
    return;
  }
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) yield { name: `${name}[${i}]`, json: json[i] };
  } else {
    yield { name, json };
  }
}

async function isZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
}

/** Reads a stream up to `max` bytes; a longer one is cut and reported. */
async function readBounded(stream: Readable, max: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      stream.destroy();
      return undefined;
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

async function* readZip(path: string, opts: ReadOptions): AsyncGenerator<OsvItem> {
  const max = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    yield { name: path, error: `not a readable zip archive: ${(err as Error).message}` };
    return;
  }
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const entry = await nextEntry(zip);
      if (entry === undefined) return;
      const name = `${path}!${entry.fileName}`;
      if (entry.fileName.endsWith('/') || !entry.fileName.toLowerCase().endsWith('.json')) continue;
      if (entry.uncompressedSize > max) {
        yield { name, error: `larger than ${max} bytes` };
        continue;
      }
      let bytes: Buffer | undefined;
      try {
        bytes = await readBounded(await openEntry(zip, entry), max);
      } catch (err) {
        yield { name, error: `unreadable: ${(err as Error).message}` };
        continue;
      }
      if (bytes === undefined) yield { name, error: `larger than ${max} bytes` };
      else yield* parseDocument(name, bytes);
    }
  } finally {
    zip.close();
  }
}
