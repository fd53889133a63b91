import { createHash, type Hash } from 'node:crypto';
import { BerthError } from '../errors/berth-error.ts';

/** A validated `algorithm:hex` content digest. Only sha256 and sha512 are accepted, as in the OCI image spec. */
export type Digest = string & { readonly __brand: 'Digest' };
export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;

export function isDigest(raw: string): raw is Digest {
  const m = DIGEST_RE.exec(raw);
  return m !== null && m[2]!.length === ENCODED_LENGTH[m[1] as DigestAlgorithm];
}

/** Throws DIGEST_INVALID for anything that is not a well-formed sha256/sha512 digest. */
export function parseDigest(raw: string): Digest {
  if (!isDigest(raw)) throw new BerthError('DIGEST_INVALID', { message: 'invalid digest', detail: { digest: raw.slice(0, 200) } });
  return raw;
}

export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

export function newHasher(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

export function hasherDigest(hasher: Hash, algorithm: DigestAlgorithm): Digest {
  return `${algorithm}:${hasher.digest('hex')}` as Digest;
}

/**
 * The referrers tag-schema fallback tag of `subject` (distribution-spec 1.1): the algorithm cut to 32
 * characters, `-`, the encoded part cut to 64 (`sha256-<hex>`; a sha512 subject keeps its first 64 hex digits).
 */
export function referrersFallbackTag(subject: Digest): string {
  return `${digestAlgorithm(subject).slice(0, 32)}-${digestHex(subject).slice(0, 64)}`;
}
