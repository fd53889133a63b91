/**
 * Parses the part of a /v2 URL path after `/v2/` into an endpoint. Repository names contain slashes, so the
 * endpoint is recognised by its suffix, as in Distribution. The name is returned raw: the caller validates it
 * with the spec's grammar (which rejects `..`, `%` and empty components) before anything touches storage.
 */
export type V2Endpoint =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'referrers'; name: string; digest: string };

export type V2EndpointKind = V2Endpoint['kind'];

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => V2Endpoint]> = [
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1]! })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: m[2]! })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1]!, digest: m[2]! })],
];

/** `rest` is the raw (still percent-encoded) path after `/v2/`, without the query. */
export function parseV2Path(rest: string): V2Endpoint | undefined {
  if (rest === '') return { kind: 'base' };
  if (rest === '_catalog') return { kind: 'catalog' };
  for (const [re, build] of PATTERNS) {
    const m = re.exec(rest);
    if (m) return build(m);
  }
  return undefined;
}

/** Decodes a last path segment (a reference, digest or upload id); clients may send `sha256%3A...`. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
