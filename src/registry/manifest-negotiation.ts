import type { Platform } from '../oci/manifest.ts';

/** The media types an `Accept` header lists (parameters dropped); empty when the client sent none. */
export function acceptedTypes(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(',') : header ?? '';
  return raw
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

/**
 * Whether a manifest of `mediaType` may be served to a client accepting `accepted`. Like Distribution, a
 * client that lists types and omits this one does not get it; a client that lists none, or a wildcard, does.
 */
export function isAcceptable(mediaType: string, accepted: string[]): boolean {
  return accepted.length === 0 || accepted.includes(mediaType) || accepted.includes('*/*') || accepted.includes('application/*');
}

/** The platform an index falls back to for a client that cannot read indexes (Distribution's choice). */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };
