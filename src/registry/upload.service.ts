import { randomUUID, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import { digestAlgorithm, hasherDigest, newHasher, type Digest, type DigestAlgorithm } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { BlobRepo, UploadRepo } from '../meta/meta-store.ts';
import type { BlobReader, UploadWriter } from '../storage/blob-driver.ts';

/** An inclusive byte range a client says its chunk covers (`Content-Range: start-end`). */
export interface ChunkRange {
  start: number;
  end: number;
}

export interface ChunkInput {
  body: Readable;
  /** Declared Content-Length, when the client sent one. */
  lengthBytes?: number;
  range?: ChunkRange;
}

/** Hash of the bytes written so far, kept between requests so a chunked push hashes every byte once. */
interface HashState {
  hasher: Hash;
  offset: number;
  /** Whether the driver holds an upload area yet: it is created by the first bytes, not by the POST. */
  hasArea: boolean;
}

/** `Range` header value for an upload of `sizeBytes`, as Distribution reports it (`0-0` when empty). */
export function uploadRangeHeader(sizeBytes: number): string {
  return `0-${Math.max(sizeBytes - 1, 0)}`;
}

/**
 * `body` piped through a hasher. `pipe()` does not forward failures, so a client that goes away mid-body
 * must fail the tap explicitly, or the write downstream would wait for an end that never comes.
 */
function hashedBody(body: Readable, hasher: Hash): Transform {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      done(null, chunk);
    },
  });
  let ended = false;
  body.once('end', () => (ended = true));
  body.once('error', (err) => tap.destroy(err));
  body.once('close', () => {
    if (!ended) tap.destroy(new Error('the request body ended early: the client went away'));
  });
  // The client can go away before the driver starts reading the tap (it awaits a stat and an open first).
  // An 'error' with no listener then would crash the whole server; the reader still sees the failure, as
  // reading a destroyed stream throws its error.
  tap.on('error', () => {});
  return body.pipe(tap);
}

/**
 * Blob uploads: sessions (POST/PATCH/PUT), monolithic pushes and cross-repository mounts. Bytes stream
 * straight to the blob driver while being hashed; nothing is visible in a repository until the digest is
 * verified, the bytes are durable and the link is committed in the metadata store.
 */
export class UploadService {
  private readonly hashes = new Map<string, HashState>();
  /** Uploads with a request in flight: a second concurrent writer to one session is refused, not interleaved. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly deps: {
      driver: UploadWriter & BlobReader;
      meta: { uploads: UploadRepo; blobs: BlobRepo };
      log: Logger;
      now: () => number;
    },
  ) {}

  /**
   * Opens an upload session for `repo`; returns its id. Only the session row is written: the upload area is
   * created with the first bytes (most sessions get all their bytes in one PUT).
   */
  async start(repo: RepoName): Promise<string> {
    const id = randomUUID();
    const at = this.deps.now();
    await this.deps.meta.uploads.create({ id, repo, createdAt: at, updatedAt: at });
    this.hashes.set(id, { hasher: newHasher(), offset: 0, hasArea: false });
    return id;
  }

  /** Current size of a session. Throws BLOB_UPLOAD_UNKNOWN when absent or not in `repo`. */
  async status(repo: RepoName, id: string): Promise<number> {
    await this.session(repo, id);
    try {
      return await this.deps.driver.uploadSize(id);
    } catch (err) {
      // The session row exists but no byte has arrived yet.
      if (isBerthError(err, 'BLOB_UPLOAD_UNKNOWN')) return 0;
      throw err;
    }
  }

  /** Appends a chunk; returns the new size. Out-of-order or overlapping chunks throw RANGE_INVALID (416). */
  async append(repo: RepoName, id: string, chunk: ChunkInput): Promise<number> {
    await this.session(repo, id);
    return this.exclusive(id, async () => {
      const size = await this.write(id, chunk);
      await this.deps.meta.uploads.touch(id, this.deps.now());
      return size;
    });
  }

  /**
   * Writes the final chunk (if any), verifies `digest`, makes the blob durable and links it into `repo`.
   * On a digest mismatch the upload's bytes are discarded and DIGEST_INVALID is thrown.
   */
  async complete(repo: RepoName, id: string, digest: Digest, chunk?: ChunkInput): Promise<number> {
    await this.session(repo, id);
    return this.exclusive(id, async () => {
      if (chunk) await this.write(id, chunk, true);
      const sizeBytes = await this.verifyAndCommit(id, digest);
      await this.deps.meta.blobs.link(repo, digest, sizeBytes, { completesUpload: id });
      return sizeBytes;
    });
  }

  /** The whole blob in one request (`POST ?digest=` or a PUT on a fresh session): no session row is written. */
  async putMonolithic(repo: RepoName, digest: Digest, chunk: ChunkInput): Promise<number> {
    const id = randomUUID();
    this.hashes.set(id, { hasher: newHasher(), offset: 0, hasArea: false });
    try {
      await this.write(id, chunk, true);
      const sizeBytes = await this.verifyAndCommit(id, digest);
      await this.deps.meta.blobs.link(repo, digest, sizeBytes);
      return sizeBytes;
    } catch (err) {
      await this.discard(id);
      throw err;
    }
  }

  /** Cancels a session and deletes its bytes. Throws BLOB_UPLOAD_UNKNOWN. */
  async cancel(repo: RepoName, id: string): Promise<void> {
    await this.session(repo, id);
    await this.discard(id);
  }

  /**
   * Links `digest` from `from` into `repo` without moving bytes. Returns false (the caller falls back to an
   * upload) when the blob is not in `from`. Without `from`, any repository the caller can read will do.
   */
  async mount(repo: RepoName, digest: Digest, sources: RepoName[]): Promise<number | undefined> {
    for (const source of sources) {
      const blob = await this.deps.meta.blobs.findLinked(source, digest);
      // linkExisting refuses when GC removed the blob meanwhile: the client then uploads it.
      if (blob && (await this.deps.meta.blobs.linkExisting(repo, digest))) return blob.sizeBytes;
    }
    return undefined;
  }

  /** Deletes sessions idle since `before` and upload areas the metadata does not know; returns how many. */
  async sweep(before: number): Promise<number> {
    let removed = 0;
    for (const id of await this.deps.meta.uploads.idleSince(before, 1000)) {
      if (this.busy.has(id)) continue;
      await this.discard(id);
      removed++;
    }
    for (const area of await this.deps.driver.listUploads()) {
      if (area.modifiedAt >= before || this.busy.has(area.id) || this.hashes.has(area.id)) continue;
      if (await this.deps.meta.uploads.find(area.id)) continue;
      await this.deps.driver.deleteUpload(area.id);
      removed++;
    }
    return removed;
  }

  private async session(repo: RepoName, id: string): Promise<void> {
    const session = await this.deps.meta.uploads.find(id);
    // An upload of another repository answers exactly like a missing one.
    if (!session || session.repo !== repo) throw new BerthError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id } });
  }

  private async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) {
      throw new BerthError('RANGE_INVALID', { message: 'another request is writing to this upload', detail: { upload: id } });
    }
    this.busy.add(id);
    try {
      return await work();
    } finally {
      this.busy.delete(id);
    }
  }

  /** `isLast`: the upload is committed right after, so the driver makes the bytes durable as it writes them. */
  private async write(id: string, chunk: ChunkInput, isLast = false): Promise<number> {
    const state = await this.hashState(id);
    const rangeHeader = { Range: uploadRangeHeader(state.offset) };
    if (chunk.range) {
      if (chunk.range.start !== state.offset) {
        throw new BerthError('RANGE_INVALID', { message: `chunk starts at ${chunk.range.start} but the upload has ${state.offset} bytes`, headers: rangeHeader });
      }
      const declared = chunk.range.end - chunk.range.start + 1;
      if (chunk.lengthBytes !== undefined && chunk.lengthBytes !== declared) {
        throw new BerthError('RANGE_INVALID', { message: `Content-Range covers ${declared} bytes but Content-Length is ${chunk.lengthBytes}`, headers: rangeHeader });
      }
    }
    try {
      const opts = { create: !state.hasArea, willCommit: isLast };
      state.offset = await this.deps.driver.appendUpload(id, state.offset, hashedBody(chunk.body, state.hasher), opts);
      state.hasArea = true;
    } catch (err) {
      // The hash may have seen bytes the disk did not: rebuild it from the stored bytes next time.
      this.hashes.delete(id);
      throw err;
    }
    if (chunk.range && state.offset !== chunk.range.end + 1) {
      this.hashes.delete(id);
      throw new BerthError('SIZE_INVALID', { message: 'the chunk was shorter than its Content-Range', headers: { Range: uploadRangeHeader(state.offset) } });
    }
    return state.offset;
  }

  /** The running hash of an upload, rebuilt from its stored bytes after a restart or a failed chunk. */
  private async hashState(id: string, algorithm: DigestAlgorithm = 'sha256'): Promise<HashState> {
    const known = this.hashes.get(id);
    if (known && algorithm === 'sha256') return known;
    const hasher = newHasher(algorithm);
    let offset = 0;
    let bytes: Readable | undefined;
    try {
      bytes = await this.deps.driver.readUpload(id);
    } catch (err) {
      // A session whose first bytes have not arrived has no upload area (see `start`).
      if (!isBerthError(err, 'BLOB_UPLOAD_UNKNOWN')) throw err;
    }
    for await (const chunk of bytes ?? []) {
      hasher.update(chunk as Buffer);
      offset += (chunk as Buffer).length;
    }
    const state = { hasher, offset, hasArea: bytes !== undefined };
    if (algorithm === 'sha256') this.hashes.set(id, state);
    return state;
  }

  private async verifyAndCommit(id: string, digest: Digest): Promise<number> {
    const state = await this.hashState(id, digestAlgorithm(digest));
    const actual = hasherDigest(state.hasher, digestAlgorithm(digest));
    this.hashes.delete(id);
    if (actual !== digest) {
      await this.discard(id);
      throw new BerthError('DIGEST_INVALID', { detail: { expected: digest, actual, sizeBytes: state.offset } });
    }
    // An empty blob completed without any chunk still needs its (empty) file.
    if (!state.hasArea) await this.deps.driver.createUpload(id);
    // The row first, then the bytes: GC deletes a row before its file and re-checks the row afterwards.
    await this.deps.meta.blobs.reserve(digest, state.offset);
    await this.deps.driver.commitUpload(id, digest);
    return state.offset;
  }

  private async discard(id: string): Promise<void> {
    this.hashes.delete(id);
    try {
      await this.deps.driver.deleteUpload(id);
    } catch (err) {
      if (!isBerthError(err, 'BLOB_UPLOAD_UNKNOWN')) this.deps.log.warn({ err, upload: id }, 'could not delete upload bytes');
    }
    await this.deps.meta.uploads.delete(id);
  }
}
