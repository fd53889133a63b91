import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BerthError } from '../errors/berth-error.ts';
import { digestOf, isDigest, type Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { assertDigest, readBounded, verifyingStream } from './blob-stream.ts';
import type { ImageSource, SourceManifest } from './image-source.ts';
import { OciLayoutSource, type LayoutFiles } from './oci-layout.source.ts';
import { indexTarFile } from './tar-index.ts';

/** One image of a `docker save` manifest.json. */
interface ArchiveImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const MAX_ARCHIVE_JSON_BYTES = 16 * 1024 * 1024;
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const BLOB_PATH_RE = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/;

function invalid(message: string): BerthError {
  return new BerthError('IMAGE_INVALID', { message });
}

type ArchiveFiles = LayoutFiles & { has(name: string): boolean; sizeOf(name: string): number | undefined };

/** The tar's files, each read by its offset: nothing is extracted, nothing but headers is read up front. */
async function archiveFiles(path: string): Promise<ArchiveFiles> {
  const handle = await open(path, 'r');
  let index;
  try {
    index = await indexTarFile(handle, path);
  } finally {
    await handle.close();
  }
  return {
    location: path,
    has: (name) => index.has(name),
    sizeOf: (name) => index.get(name)?.sizeBytes,
    async open(name) {
      const at = index.get(name);
      if (!at || (at.type !== '0' && at.type !== '7')) return undefined;
      if (at.sizeBytes === 0) return Readable.from([]);
      return createReadStream(path, { start: at.offset, end: at.offset + at.sizeBytes - 1 });
    },
  };
}

/** `alpine`, `alpine:3`, `docker.io/library/alpine:3` all name RepoTag `alpine:3` (`latest` when untagged). */
function repoTagForms(raw: string): string[] {
  const short = raw.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  const tagged = short.lastIndexOf(':') > short.lastIndexOf('/') ? short : `${short}:latest`;
  return [raw, short, tagged];
}

/**
 * A `docker save` archive in the classic format (manifest.json, `<id>/layer.tar` or `<hex>.tar` layers,
 * `<hex>.json` config). It has no registry manifest, so one is made: an OCI manifest over the archive's
 * config and layers (uncompressed tar), deterministic, so its digest is stable for the same archive. Layer
 * digests are the config's diff_ids (what an uncompressed layer's digest is), checked while streaming.
 */
class ClassicArchiveSource implements ImageSource {
  private readonly blobs = new Map<string, string>();
  private made: SourceManifest | undefined;

  constructor(
    private readonly files: ArchiveFiles,
    private readonly tag: string | undefined,
    readonly description: string,
  ) {}

  private async read(name: string, maxBytes: number): Promise<Buffer> {
    const stream = await this.files.open(name);
    if (!stream) throw invalid(`${this.description}: ${name} is missing from the archive`);
    return readBounded(stream, maxBytes, `${this.description}: ${name}`);
  }

  private async pick(): Promise<ArchiveImage> {
    let images: unknown;
    try {
      images = JSON.parse((await this.read('manifest.json', MAX_ARCHIVE_JSON_BYTES)).toString('utf8'));
    } catch (err) {
      if (err instanceof BerthError) throw err;
      throw invalid(`${this.description}: manifest.json is not valid JSON`);
    }
    if (!Array.isArray(images) || images.some((i) => typeof i?.Config !== 'string' || !Array.isArray(i?.Layers) || i.Layers.some((l: unknown) => typeof l !== 'string'))) {
      throw invalid(`${this.description}: manifest.json is not a docker save manifest`);
    }
    const all = images as ArchiveImage[];
    const wanted = this.tag === undefined ? undefined : repoTagForms(this.tag);
    const chosen = wanted ? all.filter((i) => (i.RepoTags ?? []).some((t) => repoTagForms(t).some((f) => wanted.includes(f)))) : all;
    if (chosen.length === 1) return chosen[0]!;
    const tags = all.flatMap((i) => i.RepoTags ?? []).join(', ') || 'none';
    const message = chosen.length === 0 ? `${this.description}: no image tagged ${this.tag} (tags: ${tags})` : `${this.description}: the archive holds ${chosen.length} images; name one by tag (tags: ${tags})`;
    throw new BerthError('MANIFEST_UNKNOWN', { message, detail: { tags } });
  }

  async resolve(): Promise<SourceManifest> {
    if (this.made) return this.made;
    const image = await this.pick();
    const config = await this.read(image.Config, MAX_CONFIG_BYTES);
    let diffIds: unknown;
    try {
      diffIds = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
    } catch {
      throw invalid(`${this.description}: config ${image.Config} is not valid JSON`);
    }
    const configDigest = digestOf(config);
    this.blobs.set(configDigest, image.Config);
    const layers = image.Layers.map((name, i) => {
      const named = BLOB_PATH_RE.exec(name);
      const digest = named ? `${named[1]}:${named[2]}` : Array.isArray(diffIds) ? diffIds[i] : undefined;
      if (typeof digest !== 'string' || !isDigest(digest)) throw invalid(`${this.description}: no digest for layer ${name} (the config lists no diff_id for it)`);
      const sizeBytes = this.files.sizeOf(name);
      if (sizeBytes === undefined) throw invalid(`${this.description}: layer ${name} is missing from the archive`);
      this.blobs.set(digest, name);
      return { mediaType: OCI_LAYER_TAR, digest, size: sizeBytes };
    });
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length }, layers }));
    this.made = { bytes, mediaType: MediaType.OciManifest, digest: digestOf(bytes) };
    return this.made;
  }

  async manifest(digest: Digest): Promise<SourceManifest> {
    const made = await this.resolve();
    if (made.digest !== digest) throw new BerthError('MANIFEST_UNKNOWN', { message: `${this.description} has no manifest ${digest}`, detail: { digest } });
    assertDigest(made.bytes, digest, this.description);
    return made;
  }

  async openBlob(digest: Digest): Promise<Readable> {
    if (this.blobs.size === 0) await this.resolve();
    const name = this.blobs.get(digest);
    const stream = name === undefined ? undefined : await this.files.open(name);
    if (!stream) throw new BerthError('BLOB_UNKNOWN', { message: `${this.description} has no blob ${digest}`, detail: { digest } });
    return verifyingStream(stream, digest, `${this.description}: ${name}`);
  }
}

/**
 * A `docker save` tarball (or skopeo's `docker-archive:`), read in place by entry offsets. Archives from
 * Docker 25+ hold an OCI image layout (index.json, blobs/) and are read as one, with their real manifests;
 * older ones are read through their manifest.json. `tag` picks an image by its repository tag (`app:1`,
 * `docker.io/library/app:1`); without one the archive must hold exactly one image. Throws IMAGE_INVALID for
 * something that is not such an archive.
 */
export async function dockerArchiveSource(path: string, tag?: string): Promise<ImageSource> {
  const files = await archiveFiles(path);
  const description = `docker-archive:${path}${tag ? `:${tag}` : ''}`;
  if (files.has('index.json') && files.has('oci-layout')) return new OciLayoutSource(files, tag, 'docker-archive');
  if (files.has('manifest.json')) return new ClassicArchiveSource(files, tag, description);
  throw invalid(`${path} is not a docker save archive: it has neither manifest.json nor an OCI layout`);
}
