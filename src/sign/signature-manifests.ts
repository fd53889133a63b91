import { artifactManifest, blobContent as blob, type BuiltManifest } from '../oci/artifact-manifest.ts';
import { digestOf } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { SignFormat } from './sign-formats.ts';

/** The layer descriptor of one classic cosign signature: the payload blob, the signature as an annotation. */
export function simpleSigningLayer(payload: Buffer, signature: Buffer): Descriptor {
  return {
    mediaType: SignFormat.SimpleSigning,
    size: payload.length,
    digest: digestOf(payload),
    annotations: { [SignFormat.SignatureAnnotation]: signature.toString('base64') },
  };
}

/**
 * The manifest under the `sha256-<hex>.sig` tag, as cosign (go-containerregistry) writes it: an OCI image whose
 * layers are the signatures and whose config is an image config listing them as diff_ids. `layers` are the
 * existing signatures followed by the new ones, so other signers' signatures are kept.
 */
export function classicSignatureManifest(layers: Descriptor[], payloads: Buffer[]): BuiltManifest {
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const configBlob = blob(config);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configBlob.digest },
      layers,
    }),
  );
  return { bytes, digest: digestOf(bytes), mediaType: MediaType.OciManifest, blobs: [configBlob, ...payloads.map(blob)] };
}

/**
 * The OCI 1.1 referrer cosign v3 writes for an image signature (specs/BUNDLE_SPEC.md): artifactType and single
 * layer of the sigstore bundle media type, the empty config, `subject` the image, and the annotations
 * `dev.sigstore.bundle.content: dsse-envelope`, `dev.sigstore.bundle.predicateType` (cosign's sign predicate)
 * and `org.opencontainers.image.created`.
 */
export function bundleReferrerManifest(subject: Descriptor, bundle: Buffer, created: Date, predicateType: string = SignFormat.CosignSignPredicate): BuiltManifest {
  const annotations = {
    [SignFormat.BundleContentAnnotation]: 'dsse-envelope',
    [SignFormat.BundlePredicateAnnotation]: predicateType,
    [SignFormat.CreatedAnnotation]: created.toISOString(),
  };
  return artifactManifest({
    artifactType: SignFormat.BundleV03,
    subject,
    content: bundle,
    layerAnnotations: { [SignFormat.TitleAnnotation]: `${digestOf(bundle).replace(':', '-')}.sigstore.json` },
    annotations,
  });
}

/** The index under the referrers tag-schema fallback tag with `entry` added (once). */
export function fallbackIndexWith(existing: Descriptor[], entry: Descriptor): Buffer {
  const manifests = existing.some((d) => d.digest === entry.digest) ? existing : [...existing, entry];
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
}
