import { isObject, parseJson } from './json-doc.ts';
import { SignFormat, isBundleMediaType } from './sign-formats.ts';
import type { SigningKey } from './signing-key.ts';

/**
 * cosign v3's image signature (`cosign sign`, new bundle format, the default since v3.0): an in-toto Statement v1
 * whose subject is the image digest (with the `--annotation`s as subject annotations) and whose predicateType is
 * `https://sigstore.dev/cosign/sign/v1` with an empty predicate, wrapped in a DSSE envelope signed with the key,
 * carried in a sigstore bundle v0.3 whose verification material is the key's hint. Without a transparency log
 * (`--tlog-upload=false`) and timestamp authority the bundle has no tlog entries and no timestamps.
 */
export interface SignStatement {
  /** Every subject digest as `alg:hex`. */
  subjectDigests: string[];
  annotations: Record<string, unknown>;
  predicateType: string;
}

export interface DsseSignature {
  sig: Buffer;
  keyid: string | undefined;
}

export interface ParsedBundle {
  mediaType: string;
  /** `verificationMaterial.publicKey.hint`, when the bundle was signed with a key. */
  keyHint: string | undefined;
  /** Whether the verification material is a certificate (keyless signing). */
  hasCertificate: boolean;
  /** The DER certificates of the verification material, leaf first (`certificate` or `x509CertificateChain`). */
  certificates: Buffer[];
  /** The first transparency log entry's `integratedTime` (seconds), when the bundle has one. Not verified. */
  integratedTime: number | undefined;
  dsse: { payloadType: string; payload: Buffer; signatures: DsseSignature[] } | undefined;
}

/** DSSE pre-authentication encoding: what the envelope signature covers. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The statement bytes cosign v3 signs for `digest` (`sha256:<hex>`). */
export function buildSignStatement(digest: string, annotations: Record<string, string> = {}): Buffer {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return Buffer.from(
    JSON.stringify({
      _type: SignFormat.InTotoStatementV1,
      subject: [{ digest: { [algorithm]: hex }, annotations }],
      predicateType: SignFormat.CosignSignPredicate,
      predicate: {},
    }),
  );
}

/** Signs `statement` with `key` and returns the bundle JSON bytes (protobuf-JSON field names, empties omitted). */
export function buildSignBundle(statement: Buffer, key: SigningKey): Buffer {
  const sig = key.sign(preAuthEncoding(SignFormat.InTotoPayloadType, statement));
  return Buffer.from(
    JSON.stringify({
      mediaType: SignFormat.BundleV03,
      verificationMaterial: { publicKey: { hint: key.publicKey.hint } },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType: SignFormat.InTotoPayloadType, signatures: [{ sig: sig.toString('base64') }] },
    }),
  );
}

/** Parses bundle bytes; returns a reason string when they are not a sigstore bundle. */
export function parseBundle(bytes: Uint8Array): ParsedBundle | string {
  const parsed = parseJson(bytes, 'the bundle');
  if (typeof parsed === 'string') return parsed;
  const doc = parsed.doc;
  if (!isObject(doc) || typeof doc.mediaType !== 'string' || !isBundleMediaType(doc.mediaType)) return 'not a sigstore bundle';
  const material = isObject(doc.verificationMaterial) ? doc.verificationMaterial : {};
  const publicKey = isObject(material.publicKey) ? material.publicKey : undefined;
  const hasCertificate = material.certificate !== undefined || material.x509CertificateChain !== undefined;
  const rawBytes = (c: unknown) => (isObject(c) && typeof c.rawBytes === 'string' ? [Buffer.from(c.rawBytes, 'base64')] : []);
  const chain = isObject(material.x509CertificateChain) && Array.isArray(material.x509CertificateChain.certificates) ? material.x509CertificateChain.certificates : [];
  const certificates = [...rawBytes(material.certificate), ...chain.flatMap(rawBytes)];
  const entry = Array.isArray(material.tlogEntries) && isObject(material.tlogEntries[0]) ? material.tlogEntries[0] : undefined;
  const integratedTime = entry !== undefined && /^\d+$/.test(String(entry.integratedTime)) ? Number(entry.integratedTime) : undefined;
  let dsse: ParsedBundle['dsse'];
  const env = doc.dsseEnvelope;
  if (isObject(env) && typeof env.payload === 'string' && typeof env.payloadType === 'string' && Array.isArray(env.signatures)) {
    const signatures = env.signatures.filter(isObject).flatMap((s) =>
      typeof s.sig === 'string' ? [{ sig: Buffer.from(s.sig, 'base64'), keyid: typeof s.keyid === 'string' ? s.keyid : undefined }] : [],
    );
    dsse = { payloadType: env.payloadType, payload: Buffer.from(env.payload, 'base64'), signatures };
  }
  return { mediaType: doc.mediaType, keyHint: typeof publicKey?.hint === 'string' ? publicKey.hint : undefined, hasCertificate, certificates, integratedTime, dsse };
}

/** Parses an in-toto statement; returns a reason string when it is not one. */
export function parseStatement(bytes: Uint8Array): SignStatement | string {
  const parsed = parseJson(bytes, 'the DSSE payload');
  if (typeof parsed === 'string') return parsed;
  const doc = parsed.doc;
  if (!isObject(doc) || typeof doc._type !== 'string' || !doc._type.startsWith('https://in-toto.io/Statement/')) return 'the DSSE payload is not an in-toto statement';
  if (typeof doc.predicateType !== 'string') return 'the statement has no predicateType';
  const subjectDigests: string[] = [];
  let annotations: Record<string, unknown> = {};
  for (const subject of Array.isArray(doc.subject) ? doc.subject.filter(isObject) : []) {
    if (isObject(subject.digest)) for (const [alg, hex] of Object.entries(subject.digest)) if (typeof hex === 'string') subjectDigests.push(`${alg}:${hex.toLowerCase()}`);
    if (isObject(subject.annotations)) annotations = { ...annotations, ...subject.annotations };
  }
  return { subjectDigests, annotations, predicateType: doc.predicateType };
}
