/**
 * The names cosign, sigstore and notation give to their signature artifacts, in one place. Sources: cosign
 * specs/SIGNATURE_SPEC.md (classic `.sig` tag), specs/BUNDLE_SPEC.md (OCI 1.1 referrers with a sigstore bundle,
 * cosign v3's default), the notaryproject signature specification.
 */
export const SignFormat = {
  /** Media type of a cosign simple-signing payload layer (classic form). */
  SimpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  /** `critical.type` of a cosign simple-signing payload. */
  SimpleSigningType: 'cosign container image signature',
  /** Layer annotation holding the base64 signature over the payload bytes. */
  SignatureAnnotation: 'dev.cosignproject.cosign/signature',
  /** Keyless classic signatures: the signing certificate (PEM), its chain (PEM) and the Rekor bundle (JSON). */
  CertificateAnnotation: 'dev.sigstore.cosign/certificate',
  ChainAnnotation: 'dev.sigstore.cosign/chain',
  RekorBundleAnnotation: 'dev.sigstore.cosign/bundle',
  /** Media type and artifactType of a sigstore bundle v0.3 referrer. */
  BundleV03: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  /** Any sigstore bundle version: `application/vnd.dev.sigstore.bundle+json;version=0.x` or `.v0.x+json`. */
  BundlePrefix: 'application/vnd.dev.sigstore.bundle',
  /** The in-toto predicate type cosign v3 signs for an image signature. */
  CosignSignPredicate: 'https://sigstore.dev/cosign/sign/v1',
  InTotoStatementV1: 'https://in-toto.io/Statement/v1',
  InTotoPayloadType: 'application/vnd.in-toto+json',
  /** Referrer manifest annotations cosign writes beside a bundle. */
  BundleContentAnnotation: 'dev.sigstore.bundle.content',
  BundlePredicateAnnotation: 'dev.sigstore.bundle.predicateType',
  CreatedAnnotation: 'org.opencontainers.image.created',
  TitleAnnotation: 'org.opencontainers.image.title',
  /** cosign v2's experimental `--registry-referrers-mode=oci-1-1`: a classic signature manifest as a referrer. */
  CosignLegacyReferrer: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  /** Layer media type of a classic cosign attestation (`sha256-<hex>.att`): a DSSE envelope. */
  DsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
  /** Layer annotation naming a classic attestation's predicate type. */
  PredicateTypeAnnotation: 'predicateType',
  /** artifactType of a Notary Project (notation) signature manifest. */
  NotationSignature: 'application/vnd.cncf.notary.signature',
} as const;

/** The classic cosign tag of an image's signatures: `sha256-<hex>.sig`. */
export function signatureTag(imageDigest: string): string {
  return `${imageDigest.replace(':', '-')}.sig`;
}

/** The classic cosign tag of an image's attestations: `sha256-<hex>.att`. */
export function attestationTag(imageDigest: string): string {
  return `${imageDigest.replace(':', '-')}.att`;
}

export function isBundleMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && mediaType.startsWith(SignFormat.BundlePrefix);
}
