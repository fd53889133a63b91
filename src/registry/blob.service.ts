import type { Readable } from 'node:stream';
import { BerthError } from '../errors/berth-error.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { BlobRepo } from '../meta/meta-store.ts';
import type { BlobReader, ByteRange } from '../storage/blob-driver.ts';
import { countingChurn } from '../runtime/young-gc.ts';

/** Reads and deletes of blobs as a repository sees them: a blob exists for a repository only when linked. */
export class BlobService {
  constructor(private readonly deps: { driver: BlobReader; meta: { blobs: BlobRepo } }) {}

  /** Size of a blob linked into `repo`. Throws BLOB_UNKNOWN. One metadata lookup, no disk access. */
  async stat(repo: RepoName, digest: Digest): Promise<number> {
    const blob = await this.deps.meta.blobs.findLinked(repo, digest);
    if (!blob) throw new BerthError('BLOB_UNKNOWN', { detail: { digest } });
    return blob.sizeBytes;
  }

  /** A stream of the blob or a range of it; `range` was checked against `stat`'s size. Throws BLOB_UNKNOWN. */
  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    // Counted so that the chunks read are collected as they go (see young-gc.ts), not 32 MiB at a time.
    return countingChurn(await this.deps.driver.open(digest, range));
  }

  /** Unlinks a blob from `repo`. Refuses while a manifest of the repository still uses it. */
  async delete(repo: RepoName, digest: Digest): Promise<void> {
    const result = await this.deps.meta.blobs.unlink(repo, digest);
    if (result === 'absent') throw new BerthError('BLOB_UNKNOWN', { detail: { digest } });
    if (result === 'referenced') {
      throw new BerthError('STILL_REFERENCED', { message: `blob ${digest} is used by a manifest in ${repo}: delete the manifest first`, detail: { digest } });
    }
  }
}
