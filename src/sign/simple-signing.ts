import { isObject, parseJson } from './json-doc.ts';
import { SignFormat } from './sign-formats.ts';

/** A cosign simple-signing payload (containers-signature(5) JSON data format, cosign's `critical.type`). */
export interface SimpleSigningPayload {
  /** `critical.identity.docker-reference`: the repository (cosign writes `registry/repository`, no tag). */
  dockerReference: string | undefined;
  /** `critical.image.docker-manifest-digest`: the signed manifest digest. */
  manifestDigest: string;
  /** `critical.type`. */
  type: string;
  /** `optional`: the signer's annotations (`cosign sign -a k=v` / `berth sign --annotation k=v`), or null. */
  optional: Record<string, unknown> | null;
}

/**
 * The payload bytes cosign produces (sigstore `payload.Cosign.MarshalJSON`): critical {identity, image, type},
 * then optional (null without annotations; keys sorted, as Go marshals a map).
 */
export function buildSimpleSigningPayload(dockerReference: string, manifestDigest: string, annotations: Record<string, string> = {}): Buffer {
  const keys = Object.keys(annotations).sort();
  const optional = keys.length === 0 ? null : Object.fromEntries(keys.map((k) => [k, annotations[k]]));
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': manifestDigest }, type: SignFormat.SimpleSigningType },
      optional,
    }),
  );
}

/** Go's encoding/json matches field names case-insensitively, and cosign's spec spells `Docker-manifest-digest`. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : obj[key];
}

/** Parses payload bytes; returns a reason string instead when they are not a cosign simple-signing payload. */
export function parseSimpleSigningPayload(bytes: Uint8Array): SimpleSigningPayload | string {
  const parsed = parseJson(bytes, 'the payload');
  if (typeof parsed === 'string') return parsed;
  const doc = parsed.doc;
  if (!isObject(doc)) return 'the payload is not a JSON object';
  const critical = field(doc, 'critical');
  if (!isObject(critical)) return 'the payload has no "critical" section';
  const identity = field(critical, 'identity');
  const image = field(critical, 'image');
  const type = field(critical, 'type');
  const digest = isObject(image) ? field(image, 'docker-manifest-digest') : undefined;
  if (typeof digest !== 'string') return 'the payload names no critical.image.docker-manifest-digest';
  if (typeof type !== 'string' || type.toLowerCase() !== SignFormat.SimpleSigningType) return `the payload type is ${JSON.stringify(type)}, not "${SignFormat.SimpleSigningType}"`;
  const reference = isObject(identity) ? field(identity, 'docker-reference') : undefined;
  const optional = field(doc, 'optional');
  return {
    dockerReference: typeof reference === 'string' ? reference : undefined,
    manifestDigest: digest,
    type,
    optional: isObject(optional) ? optional : null,
  };
}

/**
 * Whether a payload's docker-reference names `repository` on `registry`: the reference without its tag or digest
 * must equal `registry/repository` (host compared case-insensitively).
 */
export function referenceMatches(dockerReference: string, registry: string, repository: string): boolean {
  let name = dockerReference.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  if (slash === -1) return false;
  return name.slice(0, slash).toLowerCase() === registry.toLowerCase() && name.slice(slash + 1) === repository;
}
