import type { Digest } from '../oci/digest.ts';
import { checkSignature, type SignatureCheck } from '../sign/signature-check.ts';
import { findSignatures, type SignatureReader } from '../sign/signature-store.ts';
import { describeSigners, type TrustPolicy } from './trust-policy.ts';

/** Whether one manifest digest is signed by a signer the policy trusts. */
export interface TrustVerdict {
  isTrusted: boolean;
  /** The trusted signer that verified (`key release`), when trusted. */
  signer?: string;
  /** Why not, in one sentence a user can act on. */
  reason?: string;
}

/**
 * Verifies a manifest digest against a trust policy: some signature (the classic `sha256-<hex>.sig` layers or an
 * OCI 1.1 signature referrer) must verify with one of the trusted keys and be about this very digest. The
 * simple-signing docker-reference is not compared: the key and the digest are what is trusted, and a copy to
 * another repository or registry keeps its trust (cosign's own verify checks it; `berth verify` does too).
 * Never throws for a missing or malformed signature; throws only when the registry itself fails.
 */
export async function verifyDigest(source: SignatureReader, policy: TrustPolicy, repo: string, digest: Digest): Promise<TrustVerdict> {
  const found = await findSignatures(source, repo, digest);
  if (found.length === 0) return { isTrusted: false, reason: `not signed (trusted: ${describeSigners(policy)})` };
  const image = { registry: '', repository: repo, digest };
  const failures: SignatureCheck[] = [];
  for (const signature of found) {
    for (const { name, key } of policy.keys) {
      const check = checkSignature(signature, key, image, { ignoreReference: true });
      if (check.isVerified) return { isTrusted: true, signer: `key ${name}` };
      failures.push(check);
    }
  }
  const reasons = [...new Set(failures.map((f) => f.reason).filter((r) => r !== undefined))].slice(0, 3);
  return {
    isTrusted: false,
    reason: `no signature by a trusted signer (trusted: ${describeSigners(policy)})${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
  };
}
