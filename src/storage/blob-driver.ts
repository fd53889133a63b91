import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';

/** Inclusive byte range, already checked against the blob's size. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface AppendOptions {
  /**
   * Create the upload area with these bytes (`createUpload` and the first append in one step, so an upload area
   * exists only once bytes arrive). `offset` must be 0. Throws if the area exists already.
   */
  create?: boolean;
  /**
   * The caller means to commit right after this append: the driver may make the bytes durable now, through the
   * handle that wrote them, so `commitUpload` need not do it again. Durability of a commit never depends on it.
   */
  willCommit?: boolean;
}

export interface UploadArea {
  id: string;
  modifiedAt: number;
}

export interface BlobInfo {
  sizeBytes: number;
}

export interface BlobReader {
  /** Throws BerthError('BLOB_UNKNOWN') when absent. Safe to call concurrently. */
  stat(digest: Digest): Promise<BlobInfo>;
  /** A stream of the blob (or of `range`). Throws BLOB_UNKNOWN when absent. Safe to call concurrently. */
  open(digest: Digest, range?: ByteRange): Promise<Readable>;
}

/**
 * Upload areas hold bytes that are not content yet. Nothing in an upload area is ever visible as a blob until
 * `commitUpload`, which is atomic: after a crash a blob either exists whole or not at all.
 */
export interface UploadWriter {
  /** Creates an empty upload area. Throws if `id` exists already. */
  createUpload(id: string): Promise<void>;
  /**
   * Writes `source` at `offset`, which must be the upload's current size (the caller serializes appends to one
   * upload). Returns the new size. Throws BLOB_UPLOAD_UNKNOWN when the upload does not exist (unless
   * `opts.create`); on a failed or aborted source the bytes that did arrive stay written (ask `uploadSize`).
   */
  appendUpload(id: string, offset: number, source: Readable, opts?: AppendOptions): Promise<number>;
  /** Current size in bytes. Throws BLOB_UPLOAD_UNKNOWN. */
  uploadSize(id: string): Promise<number>;
  /** The bytes uploaded so far (to rebuild a hash after a restart). Throws BLOB_UPLOAD_UNKNOWN. */
  readUpload(id: string): Promise<Readable>;
  /**
   * Makes the upload's bytes durable and visible as blob `digest` (the caller verified the digest). Idempotent
   * when the blob exists already. The upload area is gone afterwards. Throws BLOB_UPLOAD_UNKNOWN.
   */
  commitUpload(id: string, digest: Digest): Promise<void>;
  /** Removes an upload area; idempotent. */
  deleteUpload(id: string): Promise<void>;
  /** Every upload area with its last write time (for sweeping ones the metadata no longer knows). */
  listUploads(): Promise<UploadArea[]>;
}

export interface BlobDeleter {
  /** Removes a blob; idempotent. Callers must know nothing references it. */
  delete(digest: Digest): Promise<void>;
}

/**
 * Two-step removal for garbage collection: `quarantine` moves a blob's bytes aside atomically (readers then get
 * BLOB_UNKNOWN); the caller re-checks the metadata and then either `restore`s or `purge`s them. This is what
 * lets GC delete bytes safely while an upload of the same digest may be committing (retention-and-gc.md).
 */
export interface BlobQuarantine {
  /** Moves the blob aside; a token naming the moved bytes, or undefined when the blob is absent. */
  quarantine(digest: Digest): Promise<string | undefined>;
  /** Puts the bytes back, replacing an identical copy an upload may have committed meanwhile. Idempotent. */
  restore(token: string): Promise<void>;
  /** Deletes quarantined bytes; idempotent. */
  purge(token: string): Promise<void>;
  /** Bytes left in quarantine (by a crash between the two steps), with each one's digest. */
  listQuarantined(): Promise<Array<{ token: string; digest: Digest }>>;
}

export interface BlobLister {
  /** Every stored blob's digest, in no particular order. */
  list(): AsyncIterable<Digest>;
}

export interface StorageHealth {
  /** Resolves when the store can be read and written; throws otherwise. */
  ping(): Promise<void>;
  /** Releases what the driver keeps open (handles, connections). Call once nothing uses it; idempotent. */
  close(): Promise<void>;
}

export type BlobDriver = BlobReader & UploadWriter & BlobDeleter & BlobLister & BlobQuarantine & StorageHealth;
