import { digestOf, referrersFallbackTag, type Digest } from '../oci/digest.ts';
import { parseDescriptor, type Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { isBundleMediaType, SignFormat, signatureTag } from './sign-formats.ts';
import type { FoundSignature } from './signature-check.ts';
import type { BuiltManifest } from '../oci/artifact-manifest.ts';
import { classicSignatureManifest, fallbackIndexWith } from './signature-manifests.ts';

/**
 * What signing and verification need from a registry (the CLI's RegistryClient provides it). Every method
 * throws on a failed request, except the two that report absence by returning undefined / an empty list.
 */
export interface SignatureRegistry {
  /** GET a manifest with its exact bytes; throws when absent. */
  getManifest(repo: string, reference: string): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }>;
  /** The digest a tag or digest resolves to; undefined when there is no such manifest. */
  manifestDigest(repo: string, reference: string): Promise<Digest | undefined>;
  putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest>;
  hasBlob(repo: string, digest: Digest): Promise<boolean>;
  openBlob(repo: string, digest: Digest): Promise<{ body: ReadableStream<Uint8Array>; sizeBytes: number | undefined }>;
  startUpload(repo: string): Promise<string>;
  uploadBlob(repo: string, location: string, digest: Digest, body: ReadableStream<Uint8Array>, sizeBytes: number): Promise<void>;
  /** Referrers of `subject` (API, else the tag-schema fallback index); `isFallback` when the API is missing. */
  referrers(repo: string, subject: Digest): Promise<{ manifests: Descriptor[]; isFallback: boolean }>;
}

/** The reads that finding signatures needs (a server-side reader provides them without HTTP). */
export type SignatureReader = Pick<SignatureRegistry, 'getManifest' | 'manifestDigest' | 'openBlob' | 'referrers'>;

/** Signature payloads, bundles and signature manifests are small; anything larger is not one. */
const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;

/** The layer descriptors of a manifest's bytes. Throws on a malformed descriptor. */
export function layersOf(bytes: Buffer): Descriptor[] {
  const body = JSON.parse(bytes.toString('utf8')) as { layers?: unknown };
  if (!Array.isArray(body.layers)) return [];
  return body.layers.map((d, i) => parseDescriptor(d, `layers[${i}]`));
}

/** Reads a small signature-sized blob whole, checking its digest. Throws when too large, absent or altered. */
export async function readBlob(registry: SignatureReader, repo: string, desc: Descriptor): Promise<Buffer> {
  if (desc.size > MAX_SIGNATURE_BYTES) throw new Error(`the blob is ${desc.size} bytes, more than a signature can be`);
  const { body } = await registry.openBlob(repo, desc.digest);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > MAX_SIGNATURE_BYTES) {
      await body.cancel().catch(() => {});
      throw new Error('the blob is larger than a signature can be');
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (digestOf(bytes) !== desc.digest) throw new Error(`the blob served for ${desc.digest} has digest ${digestOf(bytes)} (altered in storage)`);
  return bytes;
}

/** Reads `desc`'s blob into `found.content`, or records why it could not be read. */
async function withContent(registry: SignatureReader, repo: string, desc: Descriptor, found: FoundSignature): Promise<FoundSignature> {
  try {
    return { ...found, content: await readBlob(registry, repo, desc) };
  } catch (err) {
    return { ...found, problem: `cannot read ${desc.digest}: ${(err as Error).message}` };
  }
}

/** A keyless classic signature's certificate, chain and Rekor integratedTime, from the layer annotations. */
function keylessAnnotations(annotations: Record<string, string>): Pick<FoundSignature, 'certificate' | 'chain' | 'integratedTime'> {
  const certificate = annotations[SignFormat.CertificateAnnotation];
  if (certificate === undefined) return {};
  const chain = annotations[SignFormat.ChainAnnotation];
  let integratedTime: number | undefined;
  try {
    const time = (JSON.parse(annotations[SignFormat.RekorBundleAnnotation] ?? 'null') as { Payload?: { integratedTime?: unknown } } | null)?.Payload?.integratedTime;
    if (typeof time === 'number' && Number.isSafeInteger(time)) integratedTime = time;
  } catch {
    // No usable Rekor bundle: the certificate is then checked at verification time.
  }
  return { certificate, ...(chain !== undefined ? { chain } : {}), ...(integratedTime !== undefined ? { integratedTime } : {}) };
}

async function simpleSigningLayers(registry: SignatureReader, repo: string, manifest: Digest, bytes: Buffer, source: 'tag' | 'referrer'): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  const layers = layersOf(bytes);
  for (const [layer, desc] of layers.entries()) {
    if (desc.mediaType !== SignFormat.SimpleSigning) continue;
    const signature = desc.annotations?.[SignFormat.SignatureAnnotation];
    const keyless = keylessAnnotations(desc.annotations ?? {});
    found.push(await withContent(registry, repo, desc, { format: 'simple-signing', source, manifest, layer, ...(signature !== undefined ? { signature } : {}), ...keyless }));
  }
  return found;
}

/** A referrer that is a signature, by its artifactType (and, for bundles, the predicate type annotation). */
function isSignatureReferrer(desc: Descriptor): boolean {
  if (desc.artifactType === SignFormat.NotationSignature || desc.artifactType === SignFormat.CosignLegacyReferrer) return true;
  if (!isBundleMediaType(desc.artifactType)) return false;
  const predicate = desc.annotations?.[SignFormat.BundlePredicateAnnotation];
  return predicate === undefined || predicate === SignFormat.CosignSignPredicate;
}

async function referrerSignatures(registry: SignatureReader, repo: string, desc: Descriptor): Promise<FoundSignature[]> {
  const where = { source: 'referrer' as const, manifest: desc.digest };
  if (desc.artifactType === SignFormat.NotationSignature) return [{ format: 'notation', ...where }];
  let manifest: { bytes: Buffer };
  try {
    manifest = await registry.getManifest(repo, desc.digest);
  } catch (err) {
    const format = desc.artifactType === SignFormat.CosignLegacyReferrer ? 'simple-signing' : 'sigstore-bundle';
    return [{ format, ...where, problem: `cannot read the signature manifest: ${(err as Error).message}` }];
  }
  if (desc.artifactType === SignFormat.CosignLegacyReferrer) return simpleSigningLayers(registry, repo, desc.digest, manifest.bytes, 'referrer');
  const layer = layersOf(manifest.bytes).find((l) => isBundleMediaType(l.mediaType));
  if (!layer) return [{ format: 'sigstore-bundle', ...where, problem: 'the referrer has no bundle layer' }];
  return [await withContent(registry, repo, layer, { format: 'sigstore-bundle', ...where })];
}

/**
 * Every signature of `image` in `repo`: the layers of the classic `sha256-<hex>.sig` manifest, then the
 * signature referrers (sigstore bundles with cosign's sign predicate, cosign v2 OCI 1.1 signatures, notation),
 * found through the referrers API or its tag-schema fallback. Signatures whose content cannot be read are
 * returned with a `problem`. Throws only when the registry fails a listing request.
 */
export async function findSignatures(registry: SignatureReader, repo: string, image: Digest): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  const tag = signatureTag(image);
  const classic = await registry.manifestDigest(repo, tag);
  if (classic) {
    const manifest = await registry.getManifest(repo, tag);
    found.push(...(await simpleSigningLayers(registry, repo, manifest.digest, manifest.bytes, 'tag')));
  }
  const { manifests } = await registry.referrers(repo, image);
  for (const desc of manifests.filter(isSignatureReferrer)) found.push(...(await referrerSignatures(registry, repo, desc)));
  return found;
}

async function pushBlob(registry: SignatureRegistry, repo: string, digest: Digest, bytes: Buffer): Promise<void> {
  if (await registry.hasBlob(repo, digest)) return;
  const location = await registry.startUpload(repo);
  await registry.uploadBlob(repo, location, digest, new Blob([new Uint8Array(bytes)]).stream(), bytes.length);
}

/** Pushes a built manifest's blobs, then the manifest under `reference` (its digest when omitted). */
export async function pushManifest(registry: SignatureRegistry, repo: string, built: BuiltManifest, reference: string = built.digest): Promise<Digest> {
  for (const blob of built.blobs) await pushBlob(registry, repo, blob.digest, blob.bytes);
  const pushed = await registry.putManifest(repo, reference, built.bytes, built.mediaType);
  if (pushed !== built.digest) throw new Error(`the registry stored the signature manifest as ${pushed}, not ${built.digest}`);
  return pushed;
}

/**
 * Adds `layer` (with its payload) to the classic `.sig` manifest of `image`, keeping the signatures already
 * there, as cosign does. Returns the new manifest digest. Two signers racing can lose one update, as with cosign.
 */
export async function appendClassicSignature(registry: SignatureRegistry, repo: string, image: Digest, layer: Descriptor, payload: Buffer): Promise<Digest> {
  const tag = signatureTag(image);
  const existing = (await registry.manifestDigest(repo, tag)) ? layersOf((await registry.getManifest(repo, tag)).bytes) : [];
  return pushManifest(registry, repo, classicSignatureManifest([...existing, layer], [payload]), tag);
}

/**
 * Pushes a referrer manifest. On a registry without the referrers API it also adds the referrer to the
 * tag-schema fallback index (`sha256-<hex>`), as the distribution spec asks of clients. Returns whether the
 * fallback index was written.
 */
export async function pushReferrer(registry: SignatureRegistry, repo: string, subject: Digest, built: BuiltManifest, artifactType: string): Promise<{ isFallback: boolean }> {
  await pushManifest(registry, repo, built);
  const entry: Descriptor = { mediaType: built.mediaType, digest: built.digest, size: built.bytes.length, artifactType, ...(built.annotations ? { annotations: built.annotations } : {}) };
  return listReferrer(registry, repo, subject, entry);
}

/**
 * Makes sure a referrer already pushed shows among `subject`'s referrers: on a registry without the referrers
 * API, by adding `entry` to the tag-schema fallback index (`sha256-<hex>`). Returns whether that was needed.
 */
export async function listReferrer(registry: SignatureRegistry, repo: string, subject: Digest, entry: Descriptor): Promise<{ isFallback: boolean }> {
  const { manifests, isFallback } = await registry.referrers(repo, subject);
  if (!isFallback || manifests.some((d) => d.digest === entry.digest)) return { isFallback };
  const tag = referrersFallbackTag(subject);
  let existing: Descriptor[] = [];
  if (await registry.manifestDigest(repo, tag)) {
    const body = JSON.parse((await registry.getManifest(repo, tag)).bytes.toString('utf8')) as { manifests?: unknown[] };
    existing = (body.manifests ?? []).flatMap((d, i) => {
      try {
        return [parseDescriptor(d, `manifests[${i}]`)];
      } catch {
        return [];
      }
    });
  }
  await registry.putManifest(repo, tag, fallbackIndexWith(existing, entry), MediaType.OciIndex);
  return { isFallback };
}

