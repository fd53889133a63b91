import { Readable, Transform, type TransformCallback } from 'node:stream';
import { BerthError } from '../errors/berth-error.ts';
import { digestAlgorithm, digestOf, hasherDigest, newHasher, type Digest } from '../oci/digest.ts';

/**
 * `source` re-emitted unchanged while hashed: at its end, content whose digest is not `digest` fails the
 * stream with DIGEST_INVALID. The consumer sees every byte before the verdict, so it must treat its results
 * as provisional until the stream ends without error.
 */
export function verifyingStream(source: Readable, digest: Digest, what: string): Readable {
  const algorithm = digestAlgorithm(digest);
  const hasher = newHasher(algorithm);
  const verify = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hasher.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hasherDigest(hasher, algorithm);
      if (actual === digest) callback();
      else callback(new BerthError('DIGEST_INVALID', { message: `${what}: content does not match its digest`, detail: { expected: digest, actual } }));
    },
  });
  source.once('error', (err) => verify.destroy(err));
  verify.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  return source.pipe(verify);
}

/** All of `stream` in memory, refusing (IMAGE_LIMIT_EXCEEDED, stream destroyed) past `maxBytes`. */
export async function readBounded(stream: AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => unknown }, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of stream) {
    sizeBytes += chunk.length;
    if (sizeBytes > maxBytes) {
      const err = new BerthError('IMAGE_LIMIT_EXCEEDED', { message: `${what} is larger than ${maxBytes} bytes`, detail: { limit: 'maxBytes', maxBytes } });
      stream.destroy?.(err);
      throw err;
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return Buffer.concat(chunks, sizeBytes);
}

/** Checks small in-memory content (a manifest, a config) against the digest it was asked by. */
export function assertDigest(bytes: Buffer, digest: Digest, what: string): void {
  const actual = digestOf(bytes, digestAlgorithm(digest));
  if (actual !== digest) throw new BerthError('DIGEST_INVALID', { message: `${what}: content does not match its digest`, detail: { expected: digest, actual } });
}
