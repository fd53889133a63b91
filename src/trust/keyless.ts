import { X509Certificate } from 'node:crypto';
import type { FoundSignature } from '../sign/signature-check.ts';
import { parseBundle } from '../sign/sigstore-bundle.ts';
import { certificateExtensions, derString } from './der-reader.ts';
import type { TrustedIdentity } from './trust-policy.ts';

/** Fulcio's certificate extensions: the OIDC issuer (v2, a DER UTF8String) and the legacy raw-string one. */
export const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
export const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const MAX_CHAIN = 5;

/** The certificates a keyless signature carries (leaf first) and when it was signed, if the signature says. */
export interface SignatureCertificates {
  chain: X509Certificate[];
  /** The transparency log's integratedTime, when present (not verified offline); else undefined. */
  signedAt: Date | undefined;
}

/** The certificates of a keyless signature, or undefined for a key-based one. Throws on unreadable certificates. */
export function signatureCertificates(found: FoundSignature): SignatureCertificates | undefined {
  if (found.format === 'simple-signing' && found.certificate !== undefined) {
    const pems = [found.certificate, ...(found.chain?.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [])];
    return { chain: pems.map((pem) => new X509Certificate(pem)), signedAt: found.integratedTime !== undefined ? new Date(found.integratedTime * 1000) : undefined };
  }
  if (found.format === 'sigstore-bundle' && found.content) {
    const bundle = parseBundle(found.content);
    if (typeof bundle === 'string' || bundle.certificates.length === 0) return undefined;
    return { chain: bundle.certificates.map((der) => new X509Certificate(der)), signedAt: bundle.integratedTime !== undefined ? new Date(bundle.integratedTime * 1000) : undefined };
  }
  return undefined;
}

function isValidAt(cert: X509Certificate, at: Date): boolean {
  return Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);
}

/** The OIDC issuer Fulcio recorded in the certificate. */
export function certificateIssuer(cert: X509Certificate): string | undefined {
  const extensions = certificateExtensions(cert.raw);
  const v2 = extensions.get(FULCIO_ISSUER_V2);
  if (v2) return derString(v2);
  const v1 = extensions.get(FULCIO_ISSUER_V1);
  return v1 ? v1.toString('utf8') : undefined;
}

/** The subject identities of a Fulcio certificate: its email and URI subject alternative names. */
export function certificateSubjects(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .flatMap((entry) => {
      const m = /^(email|URI):(.*)$/.exec(entry.trim());
      return m ? [m[2]!.replace(/^"|"$/g, '')] : [];
    });
}

/**
 * Checks a keyless signature's certificate: a chain (through the carried intermediates) to one of `roots`,
 * every certificate on it valid at `at` (the signing time when known, else now), code signing usage, and an
 * issuer + subject that one of `identities` allows. The signature over the payload is checked separately with the
 * leaf's key. Returns the identity (`subject from issuer`) or the reason it is refused. Never throws.
 */
export function checkCertificate(certs: SignatureCertificates, roots: X509Certificate[], identities: TrustedIdentity[], now: Date): { identity: string } | { reason: string } {
  const [leaf, ...carried] = certs.chain;
  if (!leaf) return { reason: 'the signature carries no certificate' };
  const at = certs.signedAt ?? now;
  const when = certs.signedAt ? `at signing time ${at.toISOString()}` : `now (${at.toISOString()}; no signing time in the signature)`;
  let current = leaf;
  let isChained = false;
  for (let depth = 0; depth < MAX_CHAIN && !isChained; depth++) {
    if (!isValidAt(current, at)) return { reason: `certificate "${current.subject.replace(/\n/g, ', ')}" is not valid ${when} (valid ${current.validFrom} to ${current.validTo})` };
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) {
      if (!isValidAt(root, at)) return { reason: `the trusted root "${root.subject.replace(/\n/g, ', ')}" is not valid ${when}` };
      isChained = true;
      break;
    }
    const next = carried.find((c) => c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) break;
    current = next;
  }
  if (!isChained) return { reason: 'the signing certificate does not chain to a trusted root' };
  if (leaf.keyUsage !== undefined && !leaf.keyUsage.includes(CODE_SIGNING_EKU)) return { reason: 'the signing certificate is not for code signing (extended key usage)' };
  let issuer: string | undefined;
  try {
    issuer = certificateIssuer(leaf);
  } catch {
    return { reason: 'the signing certificate\'s extensions cannot be read' };
  }
  if (issuer === undefined) return { reason: `the signing certificate names no OIDC issuer (extension ${FULCIO_ISSUER_V2})` };
  const subjects = certificateSubjects(leaf);
  for (const id of identities) {
    const subject = subjects.find((s) => id.subject.test(s));
    if (id.issuer === issuer && subject !== undefined) return { identity: `${subject} from ${issuer}` };
  }
  return { reason: `signed by ${subjects.join(', ') || 'an unnamed subject'} from ${issuer}, not a trusted identity` };
}
