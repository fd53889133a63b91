import { digestOf, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { isObject, parseJson } from './json-doc.ts';
import { attestationTag, isBundleMediaType, SignFormat } from './sign-formats.ts';
import { bundleReferrerManifest, classicSignatureManifest } from './signature-manifests.ts';
import { layersOf, pushManifest, pushReferrer, readBlob, type SignatureReader, type SignatureRegistry } from './signature-store.ts';
import { parseBundle, parseStatement, preAuthEncoding } from './sigstore-bundle.ts';
import type { SigningKey, VerificationKey } from './signing-key.ts';
import type { SignMode } from './image-signer.ts';

/**
 * Attestations as cosign writes them (`cosign attest`): an in-toto statement about the image digest carrying a
 * predicate (SLSA provenance, SPDX or CycloneDX SBOM, vulnerability scan, or any URI-typed document), in a DSSE
 * envelope signed with the key. Classic form: a layer (media type application/vnd.dsse.envelope.v1+json,
 * annotation `predicateType`) of the manifest tagged `sha256-<hex>.att`; cosign v3 form: a sigstore bundle
 * referrer whose `dev.sigstore.bundle.predicateType` annotation names the predicate.
 */

/** cosign's `--type` shorthands (cosign/pkg/cosign/attestation). */
export const PREDICATE_TYPES: Record<string, string> = {
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

/** The predicate type a `--type` value names: a shorthand, or a URI given as is. Undefined for anything else. */
export function predicateTypeOf(type: string): string | undefined {
  if (PREDICATE_TYPES[type]) return PREDICATE_TYPES[type];
  return /^[a-z][a-z0-9+.-]*:\S+$/i.test(type) ? type : undefined;
}

export interface AttestRequest {
  repository: string;
  image: { digest: Digest; mediaType: string; size: number };
  key: SigningKey;
  predicateType: string;
  /** The predicate document (JSON). */
  predicate: unknown;
  mode: SignMode;
  now: Date;
}

/** The in-toto Statement v1 about `digest` (subject named after the repository, as cosign does). */
export function buildAttestationStatement(repository: string, digest: Digest, predicateType: string, predicate: unknown): Buffer {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return Buffer.from(JSON.stringify({ _type: SignFormat.InTotoStatementV1, subject: [{ name: repository, digest: { [algorithm]: hex } }], predicateType, predicate }));
}

function dsseEnvelope(statement: Buffer, key: SigningKey): { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] } {
  const sig = key.sign(preAuthEncoding(SignFormat.InTotoPayloadType, statement));
  return { payloadType: SignFormat.InTotoPayloadType, payload: statement.toString('base64'), signatures: [{ keyid: '', sig: sig.toString('base64') }] };
}

/**
 * Signs an attestation and pushes it: the classic `.att` manifest (existing attestations kept) and/or a bundle
 * referrer. Returns the manifests written. Throws on registry failures.
 */
export async function attestImage(registry: SignatureRegistry, req: AttestRequest): Promise<{ tag?: { tag: string; manifest: Digest }; referrer?: { manifest: Digest; isFallback: boolean } }> {
  const statement = buildAttestationStatement(req.repository, req.image.digest, req.predicateType, req.predicate);
  const envelope = dsseEnvelope(statement, req.key);
  const out: { tag?: { tag: string; manifest: Digest }; referrer?: { manifest: Digest; isFallback: boolean } } = {};
  if (req.mode !== 'referrers') {
    const tag = attestationTag(req.image.digest);
    const bytes = Buffer.from(JSON.stringify(envelope));
    const desc: Descriptor = { mediaType: SignFormat.DsseEnvelope, size: bytes.length, digest: digestOf(bytes), annotations: { [SignFormat.PredicateTypeAnnotation]: req.predicateType } };
    const existing = (await registry.manifestDigest(req.repository, tag)) ? layersOf((await registry.getManifest(req.repository, tag)).bytes) : [];
    const manifest = await pushManifest(registry, req.repository, classicSignatureManifest([...existing.filter((l) => l.digest !== desc.digest), desc], [bytes]), tag);
    out.tag = { tag, manifest };
  }
  if (req.mode !== 'tag') {
    const bundle = Buffer.from(JSON.stringify({ mediaType: SignFormat.BundleV03, verificationMaterial: { publicKey: { hint: req.key.publicKey.hint } }, dsseEnvelope: envelope }));
    const built = bundleReferrerManifest(req.image, bundle, req.now, req.predicateType);
    const { isFallback } = await pushReferrer(registry, req.repository, req.image.digest, built, SignFormat.BundleV03);
    out.referrer = { manifest: built.digest, isFallback };
  }
  return out;
}

/** One attestation found for an image, with the bytes it needs to be checked. */
export interface FoundAttestation {
  source: 'tag' | 'referrer';
  manifest: Digest;
  layer?: number;
  /** The predicate type the manifest or layer annotation claims (checked against the signed statement). */
  claimedType?: string;
  /** The DSSE envelope (classic) or the sigstore bundle (referrer) JSON. */
  content?: Buffer;
  problem?: string;
}

/** Every attestation of `image`: layers of the `.att` manifest, then bundle referrers with another predicate than cosign's sign. */
export async function findAttestations(registry: SignatureReader, repo: string, image: Digest): Promise<FoundAttestation[]> {
  const found: FoundAttestation[] = [];
  const tag = attestationTag(image);
  if (await registry.manifestDigest(repo, tag)) {
    const manifest = await registry.getManifest(repo, tag);
    for (const [layer, desc] of layersOf(manifest.bytes).entries()) {
      if (desc.mediaType !== SignFormat.DsseEnvelope) continue;
      const claimedType = desc.annotations?.[SignFormat.PredicateTypeAnnotation];
      const where = { source: 'tag' as const, manifest: manifest.digest, layer, ...(claimedType !== undefined ? { claimedType } : {}) };
      try {
        found.push({ ...where, content: await readBlob(registry, repo, desc) });
      } catch (err) {
        found.push({ ...where, problem: `cannot read ${desc.digest}: ${(err as Error).message}` });
      }
    }
  }
  const { manifests } = await registry.referrers(repo, image);
  for (const desc of manifests) {
    const claimedType = desc.annotations?.[SignFormat.BundlePredicateAnnotation];
    if (!isBundleMediaType(desc.artifactType) || claimedType === undefined || claimedType === SignFormat.CosignSignPredicate) continue;
    const where = { source: 'referrer' as const, manifest: desc.digest, claimedType };
    try {
      const layer = layersOf((await registry.getManifest(repo, desc.digest)).bytes).find((l) => isBundleMediaType(l.mediaType));
      found.push(layer ? { ...where, content: await readBlob(registry, repo, layer) } : { ...where, problem: 'the referrer has no bundle layer' });
    } catch (err) {
      found.push({ ...where, problem: `cannot read the attestation: ${(err as Error).message}` });
    }
  }
  return found;
}

export interface AttestationCheck {
  source: 'tag' | 'referrer';
  manifest: Digest;
  layer?: number;
  predicateType?: string;
  isVerified: boolean;
  reason?: string;
  /** The signed predicate, once the signature checked out. */
  predicate?: unknown;
}

/** The DSSE envelope of an attestation (directly, or inside a bundle), or why there is none. */
export function envelopeOf(found: FoundAttestation): { payloadType: string; payload: Buffer; signatures: Buffer[]; certificates: Buffer[]; integratedTime: number | undefined } | string {
  if (found.problem !== undefined || !found.content) return found.problem ?? 'the attestation content is missing';
  if (found.source === 'referrer') {
    const bundle = parseBundle(found.content);
    if (typeof bundle === 'string') return bundle;
    if (!bundle.dsse) return 'the bundle has no DSSE envelope';
    return { ...bundle.dsse, signatures: bundle.dsse.signatures.map((s) => s.sig), certificates: bundle.certificates, integratedTime: bundle.integratedTime };
  }
  const parsed = parseJson(found.content, 'the DSSE envelope');
  if (typeof parsed === 'string') return parsed;
  const env = parsed.doc;
  if (!isObject(env) || typeof env.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures)) return 'not a DSSE envelope';
  const signatures = env.signatures.filter(isObject).flatMap((s) => (typeof s.sig === 'string' ? [Buffer.from(s.sig, 'base64')] : []));
  return { payloadType: env.payloadType, payload: Buffer.from(env.payload, 'base64'), signatures, certificates: [], integratedTime: undefined };
}

/**
 * Checks one attestation with `key`: the DSSE signature over the envelope's pre-authentication encoding, an
 * in-toto statement whose subject is `image` and whose predicate type is the one claimed. Never throws.
 */
export function checkAttestation(found: FoundAttestation, key: VerificationKey | undefined, image: Digest): AttestationCheck {
  const where = { source: found.source, manifest: found.manifest, ...(found.layer !== undefined ? { layer: found.layer } : {}), ...(found.claimedType !== undefined ? { predicateType: found.claimedType } : {}) };
  const env = envelopeOf(found);
  if (typeof env === 'string') return { ...where, isVerified: false, reason: env };
  if (!key) return { ...where, isVerified: false, reason: 'not checked: no key given' };
  const pae = preAuthEncoding(env.payloadType, env.payload);
  if (!env.signatures.some((sig) => key.verify(pae, sig))) return { ...where, isVerified: false, reason: 'the envelope signature does not verify with this key (another key, or altered after signing)' };
  if (env.payloadType !== SignFormat.InTotoPayloadType) return { ...where, isVerified: false, reason: `the payload type is ${env.payloadType}, not ${SignFormat.InTotoPayloadType}` };
  const statement = parseStatement(env.payload);
  if (typeof statement === 'string') return { ...where, isVerified: false, reason: statement };
  const doc = JSON.parse(env.payload.toString('utf8')) as { predicate?: unknown };
  const signed = { ...where, predicateType: statement.predicateType, predicate: doc.predicate };
  if (found.claimedType !== undefined && found.claimedType !== statement.predicateType) return { ...signed, isVerified: false, reason: `the annotation claims ${found.claimedType} but the statement is ${statement.predicateType}` };
  if (!statement.subjectDigests.includes(image)) return { ...signed, isVerified: false, reason: `the statement is about another digest, ${statement.subjectDigests.join(', ') || 'none'}` };
  return { ...signed, isVerified: true };
}
