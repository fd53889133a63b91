import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../errors/berth-error.ts';
import { digestAlgorithm, digestHex, type Digest } from '../oci/digest.ts';
import { parseDescriptor, type Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { assertDigest, readBounded, verifyingStream } from './blob-stream.ts';
import type { ImageSource, SourceManifest } from './image-source.ts';

/** The files of an OCI image layout, wherever they live: a directory, or entries of a tarball. */
export interface LayoutFiles {
  /** `dir` or `archive.tar`, for messages. */
  readonly location: string;
  /** A stream of the file at `path` (relative, `/`-separated), or undefined when there is none. */
  open(path: string): Promise<Readable | undefined>;
}

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** What containerd and `docker save` (25+) put beside ref.name: the full image name. */
const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';
const MAX_INDEX_JSON_BYTES = 16 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export function blobPath(digest: Digest): string {
  return `blobs/${digestAlgorithm(digest)}/${digestHex(digest)}`;
}

/** The names an index.json entry answers to: its ref.name, and its containerd name in full and short forms. */
function entryNames(d: Descriptor): string[] {
  const names: string[] = [];
  const ref = d.annotations?.[REF_NAME_ANNOTATION];
  if (ref) names.push(ref);
  const full = d.annotations?.[CONTAINERD_NAME_ANNOTATION];
  if (full) names.push(full, full.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, ''));
  return names;
}

/**
 * An OCI image layout (image-layout spec: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`). The reference is a
 * tag (matched against `org.opencontainers.image.ref.name`, or the containerd image name docker writes) or,
 * without one, the only image the layout holds. Manifests are checked against their digests when read and
 * blobs while they stream, since nothing on disk vouches for them.
 */
export class OciLayoutSource implements ImageSource {
  readonly description: string;

  constructor(
    private readonly files: LayoutFiles,
    private readonly tag?: string,
    scheme = 'oci',
  ) {
    this.description = `${scheme}:${files.location}${tag ? `:${tag}` : ''}`;
  }

  private async readSmall(path: string, maxBytes: number, what: string): Promise<Buffer | undefined> {
    const stream = await this.files.open(path);
    return stream && readBounded(stream, maxBytes, what);
  }

  private async topEntries(): Promise<Descriptor[]> {
    const bytes = await this.readSmall('index.json', MAX_INDEX_JSON_BYTES, `${this.files.location}/index.json`);
    if (!bytes) throw new BerthError('MANIFEST_UNKNOWN', { message: `${this.files.location} is not an OCI image layout: it has no index.json` });
    let manifests: unknown;
    try {
      manifests = (JSON.parse(bytes.toString('utf8')) as { manifests?: unknown }).manifests;
    } catch {
      throw new BerthError('IMAGE_INVALID', { message: `${this.files.location}/index.json is not valid JSON` });
    }
    if (!Array.isArray(manifests)) throw new BerthError('IMAGE_INVALID', { message: `${this.files.location}/index.json has no manifests array` });
    return manifests.map((d, i) => parseDescriptor(d, `index.json manifests[${i}]`));
  }

  async resolve(): Promise<SourceManifest> {
    const entries = await this.topEntries();
    const candidates = this.tag === undefined ? entries : entries.filter((d) => entryNames(d).includes(this.tag!));
    const digests = [...new Set(candidates.map((d) => d.digest))];
    if (digests.length === 1) return this.manifestFor(candidates[0]!);
    const names = [...new Set(entries.flatMap((d) => entryNames(d).slice(0, 1)))].join(', ') || 'none';
    const message =
      digests.length === 0
        ? `${this.description}: no image ${this.tag === undefined ? 'in the layout' : `tagged ${this.tag}`} (tags: ${names})`
        : `${this.description}: the layout holds ${digests.length} images; name one by tag (tags: ${names})`;
    throw new BerthError('MANIFEST_UNKNOWN', { message, detail: { tags: names } });
  }

  manifest(digest: Digest): Promise<SourceManifest> {
    return this.manifestFor({ digest, mediaType: '', size: 0 });
  }

  private async manifestFor(d: Descriptor): Promise<SourceManifest> {
    const what = `manifest ${d.digest} in ${this.files.location}`;
    const bytes = await this.readSmall(blobPath(d.digest), MAX_MANIFEST_BYTES, what);
    if (!bytes) throw new BerthError('MANIFEST_UNKNOWN', { message: `${what} is missing`, detail: { digest: d.digest } });
    assertDigest(bytes, d.digest, what);
    let mediaType = d.mediaType;
    try {
      const field = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
      if (typeof field === 'string') mediaType = field;
    } catch {
      throw new BerthError('MANIFEST_INVALID', { message: `${what} is not valid JSON`, detail: { digest: d.digest } });
    }
    return { bytes, mediaType: mediaType || MediaType.OciManifest, digest: d.digest };
  }

  async openBlob(digest: Digest): Promise<Readable> {
    const stream = await this.files.open(blobPath(digest));
    if (!stream) throw new BerthError('BLOB_UNKNOWN', { message: `blob ${digest} is missing from ${this.files.location}`, detail: { digest } });
    return verifyingStream(stream, digest, `blob ${digest} in ${this.files.location}`);
  }
}

/** A layout directory's files; paths never leave `dir` (they come from digests and fixed names). */
export function directoryLayoutFiles(dir: string): LayoutFiles {
  return {
    location: dir,
    async open(path) {
      try {
        // Opened first so a missing file is an answer here, not an error event later.
        return (await open(join(dir, path), 'r')).createReadStream();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}

/** An OCI image layout directory, by tag or its only image. */
export function ociLayoutSource(dir: string, tag?: string): OciLayoutSource {
  return new OciLayoutSource(directoryLayoutFiles(dir), tag);
}
