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
export type LayerFiles = Record<string, FileContents>;

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
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const REF_NAME = 'org.opencontainers.image.ref.name';
const FIXED_CREATED = '2024-01-01T00:00:00Z';

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------------------
// A tiny ustar writer: regular files and their parent directories, fixed mtime/owner so output is stable.

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name: string, sizeBytes: number, type: '0' | '5', mode: number): Buffer {
  const header = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar path too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  header.write(base, 0, 100, 'utf8');
  header.write(octal(mode, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii'); // uid
  header.write(octal(0, 8), 116, 'ascii'); // gid
  header.write(octal(sizeBytes, 12), 124, 'ascii');
  header.write(octal(Date.parse(FIXED_CREATED) / 1000, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  header.write(type, 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return header;
}

/** An uncompressed tar of `files` (paths relative to the image root), with parent directories listed first. */
export function tarArchive(files: LayerFiles): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const path of Object.keys(files).sort()) {
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`bad layer path: ${path}`);
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/') + '/';
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(tarHeader(dir, 0, '5', 0o755));
    }
    const body = Buffer.from(files[path]!);
    parts.push(tarHeader(path, body.length, '0', 0o644), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(parts);
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
  private readonly layerFiles: LayerFiles[] = [];
  private runConfig: ImageRunConfig = {};
  private imagePlatform: Platform = { os: 'linux', architecture: 'amd64' };
  private manifestAnnotations: Record<string, string> | undefined;

  /** Adds a layer holding exactly `files`; later layers sit above earlier ones. */
  layer(files: LayerFiles): this {
    this.layerFiles.push(files);
    return this;
  }

  /** Merges into the image config's `config` section (Env, Cmd, Labels, ...). */
  config(config: ImageRunConfig): this {
    this.runConfig = { ...this.runConfig, ...config };
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
    for (const files of this.layerFiles) {
      const tar = tarArchive(files);
      const bytes = gzipSync(tar, { level: 6 });
      layers.push({ mediaType: OCI_LAYER_GZIP, digest: await writeBlob(dir, bytes), size: bytes.length, diffId: sha256Digest(tar), bytes });
    }
    const configBytes = Buffer.from(
      JSON.stringify({
        created: FIXED_CREATED,
        ...this.imagePlatform,
        config: this.runConfig,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: layers.map((_, i) => ({ created: FIXED_CREATED, created_by: `test-image layer ${i}` })),
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
