/**
 * Package URLs (github.com/package-url/purl-spec): `pkg:type/namespace/name@version?qualifiers`. Each
 * segment is percent-encoded; `:` stays readable in versions (Debian epochs), as the reference libraries do.
 */

export interface PurlParts {
  type: string;
  /** Slash-separated: each segment is encoded on its own. */
  namespace?: string | undefined;
  name: string;
  version?: string | undefined;
  /** Empty values are left out; keys are sorted as the spec's canonical form wants. */
  qualifiers?: Record<string, string | undefined>;
}

function encodeSegment(value: string): string {
  return encodeURIComponent(value);
}

export function formatPurl(parts: PurlParts): string {
  let out = `pkg:${parts.type}/`;
  if (parts.namespace) out += `${parts.namespace.split('/').filter(Boolean).map(encodeSegment).join('/')}/`;
  out += encodeSegment(parts.name);
  if (parts.version) out += `@${encodeURIComponent(parts.version).replace(/%3A/g, ':')}`;
  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  if (qualifiers.length > 0) out += `?${qualifiers.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
  return out;
}

/** PEP 503: lower case, runs of `-`, `_` and `.` become one `-`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** A Go module path as a purl: the last element is the name, the rest the namespace. */
export function goModulePurl(modulePath: string, version: string | undefined): string {
  const slash = modulePath.lastIndexOf('/');
  return formatPurl({ type: 'golang', namespace: slash > 0 ? modulePath.slice(0, slash) : undefined, name: modulePath.slice(slash + 1), version });
}

/** npm names may be scoped: `@scope/name` puts `@scope` in the namespace. */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  return slash > 0 ? formatPurl({ type: 'npm', namespace: name.slice(0, slash), name: name.slice(slash + 1), version }) : formatPurl({ type: 'npm', name, version });
}

/** `pkg:type/...`: a scheme, a type, a name, encoded segments, optional version, qualifiers and subpath. */
export const PURL_PATTERN = /^pkg:[a-z][a-z0-9.+-]*\/(?:[^/@?#\s]+\/)*[^/@?#\s]+(?:@[^?#\s]+)?(?:\?[^=&#\s]+=[^&#\s]+(?:&[^=&#\s]+=[^&#\s]+)*)?(?:#\S+)?$/;
