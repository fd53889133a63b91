import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * A staged test image builder: `testImage().layer({ 'etc/motd': 'hi' }).config({ Env: ['A=1'] }).build(dir)`
 * writes a real OCI image layout (oci-layout, index.json, blobs/sha256/...) that skopeo, podman and umoci read.
 * Layers are deterministic ustar archives compressed with gzip, so the same stages always give the same digests.
 */

export type FileContents = string | Buffer;
/** A layer entry other than a plain 0644 file: modes and owners, directories, links. */
export type TestEntry =
  | { type: 'file'; content: FileContents; mode?: number; uid?: number; gid?: number }
  | { type: 'dir'; mode?: number }
  | { type: 'symlink'; target: string }
  | { type: 'hardlink'; target: string };
/** Paths (relative to the image root) to contents. A whiteout is an empty file named `.wh.<name>`. */
export type LayerFiles = Record<string, FileContents | TestEntry>;
export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface LayerOptions {
  /** Default gzip. zstd runs the `zstd` tool (Debian package `zstd`) and fails loudly without it. */
  compression?: LayerCompression;
}

/** The OCI whiteout file that makes its directory opaque: `{ [`dir/${OPAQUE_WHITEOUT}`]: '' }`. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** The whiteout path deleting `path` in a later layer: `whiteout('etc/motd')` is `etc/.wh.motd`. */
export function whiteout(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The `config` section of an OCI image config (what `podman inspect` shows as Config). */
export interface ImageRunConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
  Healthcheck?: { Test: string[]; Interval?: number };
}

/** One line of the image config's history (`empty_layer` lines made no layer: ENV, CMD, ...). */
export interface HistoryLine {
  created_by: string;
  empty_layer?: boolean;
  comment?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface BuiltLayer extends Descriptor {
  /** sha256 of the uncompressed tar, as listed in the config's rootfs.diff_ids. */
  diffId: string;
  /** The compressed bytes stored in the layout. */
  bytes: Buffer;
}

export interface BuiltImage {
  /** Layout directory and tag: `oci:${dir}:${tag}` is the skopeo reference. */
  dir: string;
  tag: string;
  manifest: Descriptor & { bytes: Buffer };
  config: Descriptor & { bytes: Buffer };
  layers: BuiltLayer[];
  platform: Platform;
}

export interface BuiltIndex {
  dir: string;
  tag: string;
  index: Descriptor & { bytes: Buffer };
  images: BuiltImage[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER_MEDIA_TYPES: Record<LayerCompression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};
const REF_NAME = 'org.opencontainers.image.ref.name';
const FIXED_CREATED = '2024-01-01T00:00:00Z';

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------------------
// A tiny ustar writer: files, directories and links, fixed mtime/owner so output is stable. Names that do not
// fit ustar's name/prefix fields get a PAX extended header, as GNU tar and Go's archive/tar write them.

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One raw tar entry, written exactly as given (no validation: hostile archives are built from these). */
export interface RawTarEntry {
  name: string;
  /** '0' file, '1' hardlink, '2' symlink, '5' directory, 'x' PAX header, 'L' GNU long name, ... */
  type: string;
  body?: Buffer;
  /** Header size field; defaults to the body length (a lie here makes a truncated archive). */
  sizeBytes?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  linkName?: string;
}

function ustarSplit(name: string): { prefix: string; base: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  const cut = name.lastIndexOf('/', 155);
  if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100 || Buffer.byteLength(name.slice(0, cut)) > 155) return undefined;
  return { prefix: name.slice(0, cut), base: name.slice(cut + 1) };
}

function tarHeader(entry: RawTarEntry): Buffer {
  const header = Buffer.alloc(512);
  const split = ustarSplit(entry.name) ?? { prefix: '', base: entry.name.slice(0, 100) };
  header.write(split.base, 0, 100, 'utf8');
  header.write(octal(entry.mode ?? (entry.type === '5' ? 0o755 : 0o644), 8), 100, 'ascii');
  header.write(octal(entry.uid ?? 0, 8), 108, 'ascii');
  header.write(octal(entry.gid ?? 0, 8), 116, 'ascii');
  header.write(octal(entry.sizeBytes ?? entry.body?.length ?? 0, 12), 124, 'ascii');
  header.write(octal(Date.parse(FIXED_CREATED) / 1000, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  header.write(entry.type, 156, 'ascii');
  if (entry.linkName) header.write(entry.linkName, 157, 100, 'utf8');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  header.write(split.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return header;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function pad(sizeBytes: number): Buffer {
  return Buffer.alloc((512 - (sizeBytes % 512)) % 512);
}

/** The bytes of `entries` exactly as listed, ended by two zero blocks (pass `isEnded: false` to leave them off). */
export function tarEntries(entries: RawTarEntry[], opts: { isEnded?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const records = [
      ...(ustarSplit(entry.name) ? [] : [paxRecord('path', entry.name)]),
      ...(entry.linkName && Buffer.byteLength(entry.linkName) > 100 ? [paxRecord('linkpath', entry.linkName)] : []),
    ];
    if (records.length > 0 && entry.type !== 'x' && entry.type !== 'L') {
      const pax = Buffer.from(records.join(''));
      parts.push(tarHeader({ name: 'PaxHeaders/entry', type: 'x', body: pax }), pax, pad(pax.length));
    }
    const body = entry.body ?? Buffer.alloc(0);
    parts.push(tarHeader(entry), body, pad(body.length));
  }
  if (opts.isEnded !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function toRawEntry(path: string, value: FileContents | TestEntry): RawTarEntry {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return { name: path, type: '0', body: Buffer.from(value) };
  switch (value.type) {
    case 'file':
      return { name: path, type: '0', body: Buffer.from(value.content), mode: value.mode ?? 0o644, uid: value.uid ?? 0, gid: value.gid ?? 0 };
    case 'dir':
      return { name: `${path}/`, type: '5', mode: value.mode ?? 0o755 };
    case 'symlink':
      return { name: path, type: '2', linkName: value.target, mode: 0o777 };
    case 'hardlink':
      return { name: path, type: '1', linkName: value.target };
  }
}

/** An uncompressed tar of `files` (paths relative to the image root), with parent directories listed first. */
export function tarArchive(files: LayerFiles): Buffer {
  const entries: RawTarEntry[] = [];
  const dirs = new Set<string>();
  for (const path of Object.keys(files).sort()) {
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`bad layer path: ${path}`);
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/') + '/';
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      entries.push({ name: dir, type: '5', mode: 0o755 });
    }
    const entry = toRawEntry(path, files[path]!);
    if (entry.type === '5') {
      if (dirs.has(entry.name)) continue;
      dirs.add(entry.name);
    }
    entries.push(entry);
  }
  return tarEntries(entries);
}

/** `tar` compressed as a layer: gzip (deterministic, level 6), zstd (the `zstd` tool, level 3) or none. */
export function compressLayer(tar: Buffer, compression: LayerCompression): Buffer {
  if (compression === 'none') return tar;
  if (compression === 'gzip') return gzipSync(tar, { level: 6 });
  const run = spawnSync('zstd', ['-q', '-3', '-c', '--no-progress'], { input: tar, maxBuffer: 1024 * 1024 * 1024 });
  if (run.error || run.status !== 0) {
    throw new Error(`zstd failed (${run.error?.message ?? run.stderr?.toString().trim()}): install the Debian package \`zstd\` (apt-get install zstd)`);
  }
  return run.stdout;
}

// ---------------------------------------------------------------------------------------------------------

async function writeBlob(dir: string, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  await writeFile(join(blobDir, digest.slice('sha256:'.length)), bytes);
  return digest;
}

async function writeLayout(dir: string, top: Descriptor): Promise<void> {
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [top] }));
}

export class TestImageBuilder {
  private readonly layerTars: Array<{ tar: Buffer; compression: LayerCompression }> = [];
  private runConfig: ImageRunConfig = {};
  private imagePlatform: Platform = { os: 'linux', architecture: 'amd64' };
  private manifestAnnotations: Record<string, string> | undefined;
  private historyLines: HistoryLine[] | undefined;

  /** Adds a layer holding exactly `files`; later layers sit above earlier ones. */
  layer(files: LayerFiles, opts: LayerOptions = {}): this {
    return this.rawLayer(tarArchive(files), opts);
  }

  /** Adds a layer from tar bytes as given (see `tarEntries` for hostile or unusual archives). */
  rawLayer(tar: Buffer, opts: LayerOptions = {}): this {
    this.layerTars.push({ tar, compression: opts.compression ?? 'gzip' });
    return this;
  }

  /** Merges into the image config's `config` section (Env, Cmd, Labels, ...). */
  config(config: ImageRunConfig): this {
    this.runConfig = { ...this.runConfig, ...config };
    return this;
  }

  /** The config's history as given (default: one `test-image layer <i>` line per layer). */
  history(lines: HistoryLine[]): this {
    this.historyLines = lines;
    return this;
  }

  platform(platform: Platform): this {
    this.imagePlatform = platform;
    return this;
  }

  annotations(annotations: Record<string, string>): this {
    this.manifestAnnotations = { ...this.manifestAnnotations, ...annotations };
    return this;
  }

  /** Writes only the blobs (config, layers, manifest) into `dir`'s blob store; used by `build` and indexes. */
  async writeBlobs(dir: string): Promise<Omit<BuiltImage, 'dir' | 'tag'>> {
    const layers: BuiltLayer[] = [];
    for (const { tar, compression } of this.layerTars) {
      const bytes = compressLayer(tar, compression);
      layers.push({ mediaType: LAYER_MEDIA_TYPES[compression], digest: await writeBlob(dir, bytes), size: bytes.length, diffId: sha256Digest(tar), bytes });
    }
    const configBytes = Buffer.from(
      JSON.stringify({
        created: FIXED_CREATED,
        ...this.imagePlatform,
        config: this.runConfig,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: this.historyLines
          ? this.historyLines.map((h) => ({ created: FIXED_CREATED, ...h }))
          : layers.map((_, i) => ({ created: FIXED_CREATED, created_by: `test-image layer ${i}` })),
      }),
    );
    const config = { mediaType: OCI_CONFIG, digest: await writeBlob(dir, configBytes), size: configBytes.length, bytes: configBytes };
    const manifestBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
        ...(this.manifestAnnotations ? { annotations: this.manifestAnnotations } : {}),
      }),
    );
    const manifest = { mediaType: OCI_MANIFEST, digest: await writeBlob(dir, manifestBytes), size: manifestBytes.length, bytes: manifestBytes };
    return { manifest, config, layers, platform: this.imagePlatform };
  }

  /** Writes an OCI image layout at `dir` (created if missing) whose index.json names this image `tag`. */
  async build(dir: string, tag = 'latest'): Promise<BuiltImage> {
    await mkdir(dir, { recursive: true });
    const image = await this.writeBlobs(dir);
    const { mediaType, digest, size } = image.manifest;
    await writeLayout(dir, { mediaType, digest, size, annotations: { [REF_NAME]: tag } });
    return { ...image, dir, tag };
  }
}

export class TestIndexBuilder {
  private readonly images: TestImageBuilder[] = [];

  /** Adds a platform image; its `platform()` becomes the index entry's platform. */
  image(image: TestImageBuilder): this {
    this.images.push(image);
    return this;
  }

  /** Writes an OCI layout at `dir` whose index.json names an image index (multi-arch) `tag`. */
  async build(dir: string, tag = 'latest'): Promise<BuiltIndex> {
    if (this.images.length === 0) throw new Error('an index needs at least one image');
    await mkdir(dir, { recursive: true });
    const images: BuiltImage[] = [];
    for (const builder of this.images) images.push({ ...(await builder.writeBlobs(dir)), dir, tag });
    const indexBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: images.map(({ manifest, platform }) => ({ mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, platform })),
      }),
    );
    const index = { mediaType: OCI_INDEX, digest: await writeBlob(dir, indexBytes), size: indexBytes.length, bytes: indexBytes };
    await writeLayout(dir, { mediaType: OCI_INDEX, digest: index.digest, size: index.size, annotations: { [REF_NAME]: tag } });
    return { dir, tag, index, images };
  }
}

export function testImage(): TestImageBuilder {
  return new TestImageBuilder();
}

export function testIndex(): TestIndexBuilder {
  return new TestIndexBuilder();
}
