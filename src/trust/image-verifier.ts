import { X509Certificate } from 'node:crypto';
import type { Digest } from '../oci/digest.ts';
import { checkAttestation, envelopeOf, findAttestations, type FoundAttestation } from '../sign/attestation.ts';
import { checkSignature, type FoundSignature, type SignatureCheck, type SignedImage } from '../sign/signature-check.ts';
import { findSignatures, type SignatureReader } from '../sign/signature-store.ts';
import { VerificationKey } from '../sign/signing-key.ts';
import { checkCertificate, signatureCertificates } from './keyless.ts';
import { describeSigners, type TrustPolicy } from './trust-policy.ts';

/** Whether one manifest digest is signed by a signer the policy trusts. */
export interface TrustVerdict {
  isTrusted: boolean;
  /** The trusted signer that verified (`key release`, `keyless dev@example.com from https://issuer`), when trusted. */
  signer?: string;
  /** Why not, in one sentence a user can act on. */
  reason?: string;
}

/** The trusted signer of one signature, or the reasons it is not trusted. Never throws. */
export function trustedSigner(found: FoundSignature, policy: TrustPolicy, image: SignedImage, now: Date): { signer: string } | { reasons: string[] } {
  const reasons: string[] = [];
  const note = (check: SignatureCheck) => {
    if (check.reason !== undefined) reasons.push(check.reason);
  };
  if (policy.keyless) {
    let certs;
    try {
      certs = signatureCertificates(found);
    } catch (err) {
      reasons.push(`unreadable signing certificate: ${(err as Error).message}`);
    }
    if (certs && certs.chain[0]) {
      let leafKey: VerificationKey | undefined;
      try {
        leafKey = new VerificationKey(certs.chain[0].publicKey);
      } catch (err) {
        reasons.push(`the signing certificate's key: ${(err as Error).message}`);
      }
      const check = leafKey && checkSignature(found, leafKey, image, { ignoreReference: true });
      if (check?.isVerified) {
        const cert = checkCertificate(certs, policy.keyless.roots, policy.keyless.identities, now);
        if ('identity' in cert) return { signer: `keyless ${cert.identity}` };
        reasons.push(cert.reason);
      } else if (check) note(check);
    }
  }
  for (const { name, key } of policy.keys) {
    const check = checkSignature(found, key, image, { ignoreReference: true });
    if (check.isVerified) return { signer: `key ${name}` };
    note(check);
  }
  return { reasons };
}

/**
 * Verifies a manifest digest against a trust policy: some signature (the classic `sha256-<hex>.sig` layers or an
 * OCI 1.1 signature referrer) must verify with one of the trusted keys, or with a keyless certificate chaining to
 * a trusted root for a trusted identity, and be about this very digest. The simple-signing docker-reference is
 * not compared: the signer and the digest are what is trusted, so a copy to another repository or registry keeps
 * its trust (`berth verify` and cosign's own verify do check it). Never throws for a missing or malformed
 * signature; throws only when the registry itself fails.
 */
export async function verifyDigest(source: SignatureReader, policy: TrustPolicy, repo: string, digest: Digest, now: Date): Promise<TrustVerdict> {
  const found = await findSignatures(source, repo, digest);
  if (found.length === 0) return { isTrusted: false, reason: `not signed (trusted: ${describeSigners(policy)})` };
  const image = { registry: '', repository: repo, digest };
  const reasons: string[] = [];
  for (const signature of found) {
    const outcome = trustedSigner(signature, policy, image, now);
    if ('signer' in outcome) return { isTrusted: true, signer: outcome.signer };
    reasons.push(...outcome.reasons);
  }
  const shown = [...new Set(reasons)].slice(0, 3);
  return { isTrusted: false, reason: `no signature by a trusted signer (trusted: ${describeSigners(policy)})${shown.length > 0 ? `: ${shown.join('; ')}` : ''}` };
}

/** Whether one attestation is signed by a trusted key or keyless identity and is about `digest`. Never throws. */
function isTrustedAttestation(found: FoundAttestation, policy: TrustPolicy, digest: Digest, now: Date): boolean {
  if (policy.keys.some(({ key }) => checkAttestation(found, key, digest).isVerified)) return true;
  if (!policy.keyless) return false;
  const env = envelopeOf(found);
  if (typeof env === 'string' || env.certificates.length === 0) return false;
  try {
    const chain = env.certificates.map((der) => new X509Certificate(der));
    if (!checkAttestation(found, new VerificationKey(chain[0]!.publicKey), digest).isVerified) return false;
    const signedAt = env.integratedTime !== undefined ? new Date(env.integratedTime * 1000) : undefined;
    return 'identity' in checkCertificate({ chain, signedAt }, policy.keyless.roots, policy.keyless.identities, now);
  } catch {
    return false;
  }
}

/**
 * The policy's required attestation types that no trusted attestation of `digest` provides (empty: all there).
 * Throws only when the registry itself fails.
 */
export async function missingAttestations(source: SignatureReader, policy: TrustPolicy, repo: string, digest: Digest, now: Date): Promise<string[]> {
  if (policy.requiredAttestations.length === 0) return [];
  const found = await findAttestations(source, repo, digest);
  const present = new Set<string>();
  for (const attestation of found) {
    if (attestation.claimedType !== undefined && policy.requiredAttestations.includes(attestation.claimedType) && !present.has(attestation.claimedType) && isTrustedAttestation(attestation, policy, digest, now)) {
      present.add(attestation.claimedType);
    }
  }
  return policy.requiredAttestations.filter((t) => !present.has(t));
}
