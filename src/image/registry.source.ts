import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Digest } from '../oci/digest.ts';
import { formatImageRef, manifestReference, type ImageRef } from '../oci/image-ref.ts';
import { assertDigest, verifyingStream } from './blob-stream.ts';
import type { ImageSource, SourceManifest } from './image-source.ts';

/**
 * What this source needs from a registry client: src/cli/registry-client.ts's RegistryClient (Docker token
 * flow, Basic credentials, the registry's errors) fits it as it is.
 */
export interface RegistryReader {
  /** A manifest by tag or digest with its exact bytes; a digest reference is verified against them. */
  getManifest(repo: string, reference: string): Promise<SourceManifest>;
  /** A blob as a web stream the caller consumes or cancels. */
  openBlob(repo: string, digest: Digest): Promise<{ body: ReadableStream<Uint8Array> }>;
}

/**
 * An image in any registry speaking the Distribution API (Berth or another), through a client that holds
 * the credentials. Errors are the client's: for RegistryClient, CliErrors carrying the registry's answer
 * and the CLI's exit code. Blobs are checked against their digests while they stream.
 */
export class RegistrySource implements ImageSource {
  readonly description: string;

  constructor(
    private readonly client: RegistryReader,
    private readonly ref: ImageRef,
  ) {
    this.description = formatImageRef(ref);
  }

  resolve(): Promise<SourceManifest> {
    return this.client.getManifest(this.ref.repository, manifestReference(this.ref));
  }

  async manifest(digest: Digest): Promise<SourceManifest> {
    const fetched = await this.client.getManifest(this.ref.repository, digest);
    assertDigest(fetched.bytes, digest, `manifest ${digest} of ${this.description}`);
    return fetched;
  }

  async openBlob(digest: Digest): Promise<Readable> {
    const { body } = await this.client.openBlob(this.ref.repository, digest);
    return verifyingStream(Readable.fromWeb(body as WebReadableStream<Uint8Array>), digest, `blob ${digest} of ${this.description}`);
  }
}
