import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';

/**
 * Where an image is read from: a registry over HTTP, a local OCI image layout, a `docker save` tarball or
 * Berth's own storage. A source is bound to one reference when it is made (a tag, a digest, the only image);
 * everything else about images (platform choice, config, layers) is built on these three calls by
 * image-resolve.ts, the same for every source.
 */
export interface ImageSource {
  /** What the source reads, for messages: `oci:/path/to/layout:tag`, `registry.example/app:1.2`. */
  readonly description: string;

  /**
   * The manifest the source's reference names: an image manifest or an index, with its exact bytes. Throws
   * BerthError MANIFEST_UNKNOWN when there is none (a registry source throws its client's error instead,
   * which carries the registry's answer). Safe to call concurrently and repeatedly.
   */
  resolve(): Promise<SourceManifest>;

  /**
   * A manifest by digest (a child of an index). The bytes are checked against the digest: a mismatch throws
   * DIGEST_INVALID. Throws MANIFEST_UNKNOWN when absent. Safe to call concurrently.
   */
  manifest(digest: Digest): Promise<SourceManifest>;

  /**
   * The blob's bytes as a stream the caller must consume or destroy. Sources whose content is not
   * content-addressed at rest verify it while it streams: a mismatch fails the stream with DIGEST_INVALID
   * at its end. Throws BLOB_UNKNOWN when absent. Safe to call concurrently.
   */
  openBlob(digest: Digest): Promise<Readable>;
}

/** Manifest bytes exactly as stored, their media type, and the digest of those bytes. */
export interface SourceManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}
