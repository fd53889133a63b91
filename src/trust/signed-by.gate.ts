import { z } from 'zod';
import { projectOf } from '../auth/policy.ts';
import type { SignatureReader } from '../sign/signature-store.ts';
import type { PromotionGate } from '../versions/promotion-gates.ts';
import { verifyDigest } from './image-verifier.ts';
import type { TrustPolicy } from './trust-policy.ts';

/**
 * `signed-by` promotion gate (#7): the image is signed, in its source repository, by a signer the *target*
 * project's trust policy trusts (whatever that policy's pull mode), or only by the keys named in `keys`. A
 * project without a trust policy has no notion of a trusted signer: the gate answers no.
 */
export function signedByGate(deps: {
  policies: { policyFor(project: string): TrustPolicy | undefined };
  source: SignatureReader;
  now: () => number;
}): PromotionGate<{ keys?: string[] | string }> {
  return {
    kind: 'signed-by',
    description: 'the image is signed by a signer the target project\'s trust policy trusts (`keys`: only those named keys)',
    // A list, or comma-separated text (`berth promotion-gates add ... --param keys=release,ci`).
    params: z.strictObject({ keys: z.union([z.array(z.string().min(1).max(64)).min(1).max(50), z.string().min(1).max(1000)]).optional() }),
    async evaluate(c, params) {
      const keys = typeof params.keys === 'string' ? params.keys.split(',').map((k) => k.trim()).filter(Boolean) : params.keys;
      const project = projectOf(c.target.repository);
      const policy = deps.policies.policyFor(project);
      if (!policy) return { passed: false, reason: `project ${project} has no trust policy, so no signer is trusted` };
      let signers = policy;
      if (keys) {
        const unknown = keys.filter((k) => !policy.keys.some((p) => p.name === k));
        if (unknown.length > 0) return { passed: false, reason: `the trust policy of ${project} has no key ${unknown.join(', ')}` };
        signers = { ...policy, keys: policy.keys.filter((k) => keys.includes(k.name)), keyless: undefined };
      }
      const verdict = await verifyDigest(deps.source, signers, c.source.repository, c.source.digest, new Date(deps.now()));
      return verdict.isTrusted ? { passed: true, reason: `signed by ${verdict.signer}` } : { passed: false, reason: verdict.reason ?? 'not signed by a trusted signer' };
    },
  };
}
