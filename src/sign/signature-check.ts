import type { Digest } from '../oci/digest.ts';
import { SignFormat } from './sign-formats.ts';
import { parseSimpleSigningPayload, referenceMatches } from './simple-signing.ts';
import { parseBundle, parseStatement, preAuthEncoding } from './sigstore-bundle.ts';
import type { VerificationKey } from './signing-key.ts';

/** How a signature is stored: cosign's simple signing (classic tag or v2 OCI 1.1 referrer), a sigstore bundle referrer, notation. */
export type SignatureFormat = 'simple-signing' | 'sigstore-bundle' | 'notation';

/** One signature found for an image, with the bytes it needs to be checked. */
export interface FoundSignature {
  format: SignatureFormat;
  /** `tag`: a layer of the `sha256-<hex>.sig` manifest; `referrer`: an OCI 1.1 referrer of the image. */
  source: 'tag' | 'referrer';
  /** The digest of the manifest that carries the signature. */
  manifest: Digest;
  /** The layer index in that manifest (simple signing). */
  layer?: number;
  /** The signed payload (simple signing) or the bundle JSON (sigstore bundle). */
  content?: Buffer;
  /** The base64 `dev.cosignproject.cosign/signature` annotation (simple signing). */
  signature?: string;
  /** Why the content could not be read; such a signature never verifies. */
  problem?: string;
  /** Keyless classic signature: the layer's signing certificate and chain (PEM), and the Rekor integratedTime. */
  certificate?: string;
  chain?: string;
  integratedTime?: number;
}

/** The image a signature must be about. */
export interface SignedImage {
  registry: string;
  repository: string;
  digest: Digest;
}

export interface SignatureCheck {
  format: SignatureFormat;
  source: 'tag' | 'referrer';
  manifest: Digest;
  layer?: number;
  isVerified: boolean;
  /** Why it did not verify. */
  reason?: string;
  /** The signed document: the simple-signing payload or the in-toto statement, once the signature checked out. */
  payload?: unknown;
  /** The signer's annotations: payload `optional` (simple signing) or the statement subject's annotations. */
  annotations?: Record<string, unknown>;
}

export interface CheckOptions {
  /** Skip the docker-reference check of simple-signing payloads. */
  ignoreReference?: boolean;
}

const ALTERED_OR_OTHER_KEY = 'the signature does not verify with this key (made by another key, or the payload was altered after signing)';

function jsonOf(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

function checkSimpleSigning(found: FoundSignature, key: VerificationKey, image: SignedImage, opts: CheckOptions): Omit<SignatureCheck, 'format' | 'source' | 'manifest'> {
  if (found.signature === undefined) return { isVerified: false, reason: `the layer has no ${SignFormat.SignatureAnnotation} annotation` };
  const content = found.content!;
  if (!key.verify(content, Buffer.from(found.signature, 'base64'))) return { isVerified: false, reason: ALTERED_OR_OTHER_KEY };
  const payload = parseSimpleSigningPayload(content);
  if (typeof payload === 'string') return { isVerified: false, reason: payload };
  const signed = { payload: jsonOf(content), ...(payload.optional ? { annotations: payload.optional } : {}) };
  if (payload.manifestDigest !== image.digest) return { isVerified: false, reason: `the payload is for another digest, ${payload.manifestDigest}`, ...signed };
  if (!opts.ignoreReference) {
    const expected = `${image.registry}/${image.repository}`;
    if (payload.dockerReference === undefined) return { isVerified: false, reason: `the payload names no docker-reference (expected ${expected}; --ignore-reference accepts it)`, ...signed };
    if (!referenceMatches(payload.dockerReference, image.registry, image.repository)) {
      return { isVerified: false, reason: `the payload's docker-reference is ${payload.dockerReference}, not ${expected} (--ignore-reference accepts it)`, ...signed };
    }
  }
  return { isVerified: true, ...signed };
}

function checkBundle(found: FoundSignature, key: VerificationKey, image: SignedImage): Omit<SignatureCheck, 'format' | 'source' | 'manifest'> {
  const bundle = parseBundle(found.content!);
  if (typeof bundle === 'string') return { isVerified: false, reason: bundle };
  if (!bundle.dsse) return { isVerified: false, reason: 'a message-signature bundle, not a cosign image signature (DSSE envelope)' };
  const { payloadType, payload, signatures } = bundle.dsse;
  const pae = preAuthEncoding(payloadType, payload);
  if (!signatures.some((s) => key.verify(pae, s.sig))) {
    if (bundle.keyHint !== undefined && bundle.keyHint !== key.hint) return { isVerified: false, reason: `signed by another key (key hint ${bundle.keyHint})` };
    if (bundle.hasCertificate) return { isVerified: false, reason: 'a keyless (certificate) signature, not made with this key' };
    return { isVerified: false, reason: bundle.keyHint === key.hint ? 'the bundle names this key but its signature does not verify: the payload or signature was altered' : ALTERED_OR_OTHER_KEY };
  }
  if (payloadType !== SignFormat.InTotoPayloadType) return { isVerified: false, reason: `the DSSE payload type is ${payloadType}, not ${SignFormat.InTotoPayloadType}` };
  const statement = parseStatement(payload);
  if (typeof statement === 'string') return { isVerified: false, reason: statement };
  const signed = { payload: jsonOf(payload), annotations: statement.annotations };
  if (statement.predicateType !== SignFormat.CosignSignPredicate) return { isVerified: false, reason: `an attestation (${statement.predicateType}), not an image signature`, ...signed };
  if (!statement.subjectDigests.includes(image.digest)) return { isVerified: false, reason: `the statement is for another digest, ${statement.subjectDigests.join(', ') || 'none'}`, ...signed };
  return { isVerified: true, ...signed };
}

/**
 * Checks one signature against `key` and the image: the signature over the payload, then the payload's claims
 * (manifest digest; docker-reference unless ignored; for a bundle, the cosign sign predicate and subject digest).
 * Without a key (listing) nothing verifies. Never throws.
 */
export function checkSignature(found: FoundSignature, key: VerificationKey | undefined, image: SignedImage, opts: CheckOptions = {}): SignatureCheck {
  const where = { format: found.format, source: found.source, manifest: found.manifest, ...(found.layer !== undefined ? { layer: found.layer } : {}) };
  if (found.format === 'notation') return { ...where, isVerified: false, reason: 'a Notary Project (notation) signature: listed, not verified by Berth' };
  if (found.problem !== undefined || found.content === undefined) return { ...where, isVerified: false, reason: found.problem ?? 'the signature content is missing' };
  if (!key) return { ...where, isVerified: false, reason: 'not checked: no --key given' };
  try {
    return { ...where, ...(found.format === 'simple-signing' ? checkSimpleSigning(found, key, image, opts) : checkBundle(found, key, image)) };
  } catch (err) {
    return { ...where, isVerified: false, reason: `cannot check: ${(err as Error).message}` };
  }
}
