import type { Readable } from 'node:stream';
import { BerthError } from '../errors/berth-error.ts';
import type { Digest } from '../oci/digest.ts';
import { MANIFEST_MEDIA_TYPES } from '../oci/media-types.ts';
import { referenceString, type Reference, type RepoName } from '../oci/names.ts';
import type { ImageSource, SourceManifest } from './image-source.ts';

/** ManifestService.get's shape: throws MANIFEST_UNKNOWN when `ref` names nothing in `repo`. */
export interface StoredManifestReader {
  get(repo: RepoName, ref: Reference, accepted: string[]): Promise<{ digest: Digest; mediaType: string; content: Buffer }>;
}

/** BlobService's shape: `stat` answers for blobs linked into `repo` (BLOB_UNKNOWN otherwise); `open` streams. */
export interface StoredBlobReader {
  stat(repo: RepoName, digest: Digest): Promise<number>;
  open(digest: Digest): Promise<Readable>;
}

/**
 * An image in Berth's own storage, for in-server scans and analyses. Content there was verified on push and
 * is addressed by digest, so it is not hashed again; a blob is served only when linked into the repository,
 * as a pull would be.
 */
export class BerthStorageSource implements ImageSource {
  readonly description: string;

  constructor(
    private readonly deps: { manifests: StoredManifestReader; blobs: StoredBlobReader },
    private readonly repo: RepoName,
    private readonly ref: Reference,
  ) {
    this.description = `${repo}${ref.kind === 'tag' ? ':' : '@'}${referenceString(ref)}`;
  }

  private async get(ref: Reference): Promise<SourceManifest> {
    const stored = await this.deps.manifests.get(this.repo, ref, [...MANIFEST_MEDIA_TYPES]);
    return { bytes: stored.content, mediaType: stored.mediaType, digest: stored.digest };
  }

  resolve(): Promise<SourceManifest> {
    return this.get(this.ref);
  }

  manifest(digest: Digest): Promise<SourceManifest> {
    return this.get({ kind: 'digest', digest });
  }

  async openBlob(digest: Digest): Promise<Readable> {
    await this.deps.blobs.stat(this.repo, digest);
    try {
      return await this.deps.blobs.open(digest);
    } catch (err) {
      if (err instanceof BerthError) throw err;
      throw new BerthError('BLOB_UNKNOWN', { message: `blob ${digest} of ${this.description} cannot be read`, detail: { digest }, cause: err });
    }
  }
}
