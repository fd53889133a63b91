import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BerthError } from '../errors/berth-error.ts';

/** Credentials a request carries in its `Authorization` header. */
export type Credentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string };

/** Longer `Authorization` values are refused before any decoding (a JWT of ours is well under 2 KiB). */
export const MAX_AUTHORIZATION_LENGTH = 8192;
/** Longest accepted user name in Basic credentials, in characters. */
export const MAX_USERNAME_LENGTH = 256;
/** Longest accepted password, in UTF-8 bytes; also the hashing limit (password.ts). */
export const MAX_PASSWORD_BYTES = 1024;

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
// RFC 7235 token68.
const TOKEN68_RE = /^[A-Za-z0-9\-._~+/]+=*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function refuse(reason: string): BerthError {
  return new BerthError('UNAUTHORIZED', { message: `malformed Authorization header: ${reason}` });
}

/**
 * Parses an `Authorization` header value (as Node gives it: a string, or an array when repeated).
 * Returns undefined when there is no header (anonymous). Throws BerthError('UNAUTHORIZED') for anything
 * present but unusable: a repeated header, an oversize value, an unknown scheme, bad base64, invalid UTF-8,
 * a missing colon, an empty or control-character user name, an oversize password. Pure; never logs the value.
 */
export function parseAuthorization(header: string | string[] | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) {
    if (header.length === 0) return undefined;
    if (header.length > 1) throw refuse('more than one Authorization header');
    header = header[0] as string;
  }
  if (header.length > MAX_AUTHORIZATION_LENGTH) throw refuse('too long');
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  if (!match) throw refuse('expected "<scheme> <credentials>"');
  const scheme = (match[1] as string).toLowerCase();
  const value = match[2] as string;
  if (scheme === 'bearer') {
    if (!TOKEN68_RE.test(value)) throw refuse('bearer token has characters outside token68');
    return { scheme: 'bearer', token: value };
  }
  if (scheme === 'basic') return parseBasic(value);
  throw refuse(`unsupported scheme ${JSON.stringify(scheme.slice(0, 20))}`);
}

function parseBasic(encoded: string): Credentials {
  // Buffer.from(..., 'base64') silently skips junk, so check the alphabet and the length first.
  const unpadded = encoded.replace(/=+$/, '');
  if (!BASE64_RE.test(encoded) || unpadded.length % 4 === 1 || (encoded !== unpadded && encoded.length % 4 !== 0)) {
    throw refuse('basic credentials are not valid base64');
  }
  let decoded: string;
  try {
    decoded = UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw refuse('basic credentials are not valid UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) throw refuse('basic credentials have no colon');
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username.length === 0) throw refuse('empty user name');
  if (username.length > MAX_USERNAME_LENGTH) throw refuse('user name too long');
  if (CONTROL_RE.test(username)) throw refuse('user name contains control characters');
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw refuse('password too long');
  return { scheme: 'basic', username, password };
}

/** Formats Basic credentials as a header value (for tests and clients); the inverse of parseAuthorization. */
export function formatBasicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Compares two secrets in time independent of where they differ and of their lengths (both sides are hashed
 * to a fixed size first). Pure; safe to call concurrently.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  // The hash compare alone could collide only by breaking SHA-256; the length check costs nothing secret.
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

// Per-process key: a cache key leaked from memory or a log is useless offline and across restarts.
const CACHE_KEY_SECRET = randomBytes(32).toString('hex');

/**
 * A fixed-size key for caching a successful verification of an `Authorization` header value, so argon2 does not
 * run per registry request and a repeated header skips parsing too. SHA-256 of a random per-process secret
 * followed by the value: the same value gives the same key within this process only, and the key reveals
 * nothing that helps guess the password (length extension is irrelevant: keys never leave the process). One
 * native call and no crypto object per request, which matters on the hot path. Safe to call concurrently.
 */
export function authorizationCacheKey(headerValue: string): string {
  return hash('sha256', CACHE_KEY_SECRET + headerValue, 'base64url');
}

/** The cache key of these Basic credentials: that of the header a client sends for them. */
export function basicCredentialsCacheKey(username: string, password: string): string {
  return authorizationCacheKey(formatBasicAuthorization(username, password));
}
