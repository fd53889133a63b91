import type { Digest } from '../oci/digest.ts';
import { SignFormat, signatureTag } from './sign-formats.ts';
import type { FoundSignature } from './signature-check.ts';
import { bundleReferrerManifest, simpleSigningLayer } from './signature-manifests.ts';
import { appendClassicSignature, findSignatures, pushReferrer, type SignatureRegistry } from './signature-store.ts';
import { buildSignBundle, buildSignStatement, parseBundle, preAuthEncoding } from './sigstore-bundle.ts';
import { buildSimpleSigningPayload } from './simple-signing.ts';
import type { SigningKey } from './signing-key.ts';

/** Where a signature is written: cosign's classic `.sig` tag, an OCI 1.1 referrer (cosign v3's form), or both. */
export type SignMode = 'tag' | 'referrers' | 'both';
export const SIGN_MODES: readonly SignMode[] = ['tag', 'referrers', 'both'];

export interface SignRequest {
  /** Registry host and repository, which make the payload's docker-reference (`host/repository`). */
  registry: string;
  repository: string;
  /** The image manifest being signed: its digest, media type and size (the referrer's subject). */
  image: { digest: Digest; mediaType: string; size: number };
  key: SigningKey;
  annotations: Record<string, string>;
  mode: SignMode;
  now: Date;
}

export interface SignOutcome {
  /** The `.sig` manifest after signing; `isNew` false when an identical signature by this key was there. */
  tag?: { tag: string; manifest: Digest; isNew: boolean };
  /** The bundle referrer; `isFallback` when the registry lacks the referrers API and the fallback index was written. */
  referrer?: { manifest: Digest; isNew: boolean; isFallback: boolean };
}

/** An identical classic signature by this key: same payload bytes, signature valid under the key. */
function hasClassic(existing: FoundSignature[], payload: Buffer, key: SigningKey): Digest | undefined {
  const same = existing.find(
    (f) => f.format === 'simple-signing' && f.source === 'tag' && f.content?.equals(payload) && f.signature && key.publicKey.verify(payload, Buffer.from(f.signature, 'base64')),
  );
  return same?.manifest;
}

/** An identical bundle signature by this key: same statement bytes, DSSE signature valid under the key. */
function hasBundle(existing: FoundSignature[], statement: Buffer, key: SigningKey): Digest | undefined {
  const pae = preAuthEncoding(SignFormat.InTotoPayloadType, statement);
  const same = existing.find((f) => {
    if (f.format !== 'sigstore-bundle' || !f.content) return false;
    const bundle = parseBundle(f.content);
    return typeof bundle !== 'string' && bundle.dsse?.payload.equals(statement) && bundle.dsse.signatures.some((s) => key.publicKey.verify(pae, s.sig));
  });
  return same?.manifest;
}

/**
 * Signs an image by digest and pushes the signatures in cosign's formats. The classic form appends a
 * simple-signing layer to the `sha256-<hex>.sig` manifest (other signatures kept); the referrers form pushes a
 * sigstore bundle v0.3 referrer (DSSE in-toto statement with cosign's sign predicate). Signing again with the
 * same key and annotations changes nothing (as cosign's duplicate detection). Throws on registry failures.
 */
export async function signImage(registry: SignatureRegistry, req: SignRequest): Promise<SignOutcome> {
  const { key, image } = req;
  const existing = await findSignatures(registry, req.repository, image.digest);
  const outcome: SignOutcome = {};
  if (req.mode !== 'referrers') {
    const tag = signatureTag(image.digest);
    const payload = buildSimpleSigningPayload(`${req.registry}/${req.repository}`, image.digest, req.annotations);
    const same = hasClassic(existing, payload, key);
    if (same) outcome.tag = { tag, manifest: same, isNew: false };
    else {
      const manifest = await appendClassicSignature(registry, req.repository, image.digest, simpleSigningLayer(payload, key.sign(payload)), payload);
      outcome.tag = { tag, manifest, isNew: true };
    }
  }
  if (req.mode !== 'tag') {
    const statement = buildSignStatement(image.digest, req.annotations);
    const same = hasBundle(existing, statement, key);
    if (same) outcome.referrer = { manifest: same, isNew: false, isFallback: false };
    else {
      const built = bundleReferrerManifest(image, buildSignBundle(statement, key), req.now);
      const { isFallback } = await pushReferrer(registry, req.repository, image.digest, built, SignFormat.BundleV03);
      outcome.referrer = { manifest: built.digest, isNew: true, isFallback };
    }
  }
  return outcome;
}
