import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { isBerthError } from '../errors/berth-error.ts';
import { badField } from '../identity/validate.ts';
import { parsePublicKey, type VerificationKey } from '../sign/signing-key.ts';

/**
 * A project's trust policy (#7): whose signatures make an image trusted, which attestations it must carry, and
 * what a pull of an untrusted image does. The body is what the REST API accepts and returns.
 */
export const TRUST_MODES = ['off', 'audit', 'warn', 'enforce'] as const;
export type TrustMode = (typeof TRUST_MODES)[number];

const KEY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PEM_MAX = 16 * 1024;

export const TrustKeyBody = z.strictObject({
  name: z.string().regex(KEY_NAME_RE, 'must be 1-64 characters of A-Z, a-z, 0-9, ".", "_", "-"'),
  /** PEM SubjectPublicKeyInfo (`cosign.pub`, `berth keygen`), an RSA PUBLIC KEY or a certificate's key. */
  publicKey: z.string().min(1).max(PEM_MAX),
});

export const TrustIdentityBody = z.strictObject({
  /** The OIDC issuer in the certificate (extension 1.3.6.1.4.1.57264.1.8, or the legacy .1.1), matched exactly. */
  issuer: z.string().min(1).max(512),
  /** A regular expression the whole subject (the certificate's email or URI SAN) must match. */
  subjectRegexp: z.string().min(1).max(512),
});

export const TrustPolicyBody = z.strictObject({
  mode: z.enum(TRUST_MODES),
  keys: z.array(TrustKeyBody).max(50).default([]),
  /** Keyless signatures: certificates chaining to one of `roots` (PEM CA certificates), for one of `identities`. */
  keyless: z
    .strictObject({
      roots: z.array(z.string().min(1).max(PEM_MAX)).min(1).max(10),
      identities: z.array(TrustIdentityBody).min(1).max(50),
    })
    .optional(),
  /** Predicate types (in-toto) an image must also carry as attestations signed by a trusted signer. */
  requiredAttestations: z.array(z.string().min(1).max(256)).max(20).default([]),
});
export type TrustPolicyBody = z.output<typeof TrustPolicyBody>;

export const TrustPolicyView = TrustPolicyBody.extend({
  project: z.string(),
  keys: z.array(TrustKeyBody.extend({ hint: z.string(), algorithm: z.string() })),
  updatedBy: z.string().nullable(),
  updatedAt: z.string(),
});
export type TrustPolicyView = z.infer<typeof TrustPolicyView>;

export interface TrustedIdentity {
  issuer: string;
  subject: RegExp;
  /** The pattern as written, for messages. */
  source: string;
}

/** A policy ready to verify with: keys parsed, roots read, patterns compiled. Immutable. */
export interface TrustPolicy {
  project: string;
  mode: TrustMode;
  keys: { name: string; key: VerificationKey }[];
  keyless: { roots: X509Certificate[]; identities: TrustedIdentity[] } | undefined;
  requiredAttestations: string[];
  body: TrustPolicyBody;
}

/** Parses a validated body. Throws BAD_REQUEST naming the field for an unreadable key, root or pattern. */
export function compileTrustPolicy(project: string, body: TrustPolicyBody): TrustPolicy {
  const names = new Set<string>();
  const keys = body.keys.map((k, i) => {
    if (names.has(k.name)) throw badField(`body.keys.${i}.name`, `duplicate key name "${k.name}"`);
    names.add(k.name);
    try {
      return { name: k.name, key: parsePublicKey(k.publicKey) };
    } catch (err) {
      throw badField(`body.keys.${i}.publicKey`, isBerthError(err) ? err.message : 'not a public key');
    }
  });
  let keyless: TrustPolicy['keyless'];
  if (body.keyless) {
    const roots = body.keyless.roots.map((pem, i) => {
      try {
        const cert = new X509Certificate(pem);
        if (!cert.ca) throw new Error('the certificate is not a CA certificate (basicConstraints CA:TRUE)');
        return cert;
      } catch (err) {
        throw badField(`body.keyless.roots.${i}`, `not a CA certificate in PEM: ${(err as Error).message}`);
      }
    });
    const identities = body.keyless.identities.map((id, i) => {
      try {
        return { issuer: id.issuer, subject: new RegExp(`^(?:${id.subjectRegexp})$`), source: id.subjectRegexp };
      } catch (err) {
        throw badField(`body.keyless.identities.${i}.subjectRegexp`, (err as Error).message);
      }
    });
    keyless = { roots, identities };
  }
  return { project, mode: body.mode, keys, keyless, requiredAttestations: [...new Set(body.requiredAttestations)], body };
}

/** What the policy trusts, in a few words for messages: `keys release, ci; 1 keyless identity`. */
export function describeSigners(policy: TrustPolicy): string {
  const parts: string[] = [];
  if (policy.keys.length > 0) parts.push(`keys ${policy.keys.map((k) => k.name).join(', ')}`);
  if (policy.keyless) parts.push(`keyless ${policy.keyless.identities.map((i) => `${i.source} from ${i.issuer}`).join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no trusted signers';
}
