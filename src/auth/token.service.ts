import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { BerthError } from '../errors/berth-error.ts';
import { isRepoName } from '../oci/names.ts';
import { REPOSITORY_ACTIONS, type TokenAccess } from './scope.ts';

/** The signing key pair as plain JSON, for the metadata store, so every node of a cluster shares it. */
export interface StoredSigningKey {
  algorithm: 'ES256';
  /** RFC 7638 thumbprint of the public key; the `kid` header of every token. */
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The claims of a verified Berth registry token. */
export interface TokenClaims {
  iss: string;
  /** Principal name (`alice`, `robot$acme+ci`); empty for an anonymous token. */
  sub: string;
  /** The service the token is for. */
  aud: string;
  /** Seconds since the epoch. */
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: TokenAccess[];
}

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds (the token response's `expires_in`). */
  expiresInSec: number;
  /** When it was issued (the token response's `issued_at`, RFC 3339). */
  issuedAt: string;
  claims: TokenClaims;
}

/** Why a token was refused; the error is always a 401 (UNAUTHORIZED). */
export type TokenRejection = 'malformed' | 'algorithm' | 'unknown-key' | 'signature' | 'expired' | 'not-yet-valid' | 'issuer' | 'audience' | 'claims';

/** A refused registry token: a BerthError('UNAUTHORIZED') that says why, for logs and the audit trail. */
export class TokenError extends BerthError {
  readonly reason: TokenRejection;

  constructor(reason: TokenRejection, cause?: unknown) {
    super('UNAUTHORIZED', { message: `invalid token: ${reason}`, detail: { reason }, cause });
    this.name = 'TokenError';
    this.reason = reason;
  }
}

export interface TokenServiceOptions {
  key: StoredSigningKey;
  /** `iss` of issued tokens, and the only issuer verification accepts. */
  issuer: string;
  /** The service name: the only `aud` verification accepts. */
  audience: string;
  /** Tolerated clock difference between nodes, seconds (default 30). */
  clockSkewSec?: number;
  /** Verified tokens remembered (default 10,000). */
  cacheSize?: number;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
}

const ALGORITHM = 'ES256';
/** Tokens longer than this are refused unparsed (ours carry at most MAX_SCOPES entries). */
export const MAX_TOKEN_LENGTH = 16_384;
/** Longest lifetime issue() accepts: a registry token is short-lived; clients fetch a new one per operation. */
export const MAX_TOKEN_TTL_SEC = 24 * 3600;

/** Creates a fresh ES256 key pair as storable JSON. Safe to call concurrently. */
export async function generateSigningKey(): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { algorithm: ALGORITHM, kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM }, publicJwk: { ...publicJwk, kid, alg: ALGORITHM } };
}

/**
 * Issues and verifies Docker registry tokens (JWT, ES256). Verification pins the algorithm, issuer and
 * audience, requires exp/nbf/iat/jti, and remembers verified tokens (bounded LRU keyed by the exact token
 * string, dropped at expiry), so the hot path of a registry request is a Map lookup. All methods are safe to
 * call concurrently.
 */
export class TokenService {
  private readonly cache = new Map<string, { claims: TokenClaims; untilMs: number }>();

  private constructor(
    private readonly opts: Required<Omit<TokenServiceOptions, 'key'>>,
    private readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
  ) {}

  /** Imports the stored key pair. Throws BerthError('INTERNAL') when it is not a valid ES256 key pair. */
  static async create(options: TokenServiceOptions): Promise<TokenService> {
    const { key, ...rest } = options;
    try {
      if (key.algorithm !== ALGORITHM) throw new Error(`unsupported algorithm ${String(key.algorithm)}`);
      const privateKey = await importJWK(key.privateJwk, ALGORITHM);
      const publicKey = await importJWK(key.publicJwk, ALGORITHM);
      if (!('type' in privateKey) || privateKey.type !== 'private' || !('type' in publicKey) || publicKey.type !== 'public') {
        throw new Error('expected a private and a public key');
      }
      return new TokenService(
        { clockSkewSec: 30, cacheSize: 10_000, now: Date.now, ...rest },
        key.kid,
        privateKey as CryptoKey,
        publicKey as CryptoKey,
      );
    } catch (cause) {
      throw new BerthError('INTERNAL', { message: 'token signing key is not a valid ES256 key pair', cause });
    }
  }

  /**
   * Signs a token for `subject` carrying `access` (already the intersection of asked and allowed) for the
   * service `audience`, valid for `ttlSec` from now. Throws RangeError for a ttl outside 1..MAX_TOKEN_TTL_SEC.
   */
  async issue(request: { subject: string; access: readonly TokenAccess[]; audience: string; ttlSec: number }): Promise<IssuedToken> {
    const { subject, audience, ttlSec } = request;
    if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_TOKEN_TTL_SEC) throw new RangeError(`token ttl must be 1..${MAX_TOKEN_TTL_SEC} seconds`);
    const nowMs = this.opts.now();
    const iat = Math.floor(nowMs / 1000);
    const claims: TokenClaims = {
      iss: this.opts.issuer,
      sub: subject,
      aud: audience,
      exp: iat + ttlSec,
      nbf: iat,
      iat,
      jti: randomUUID(),
      access: request.access.map((a) => ({ ...a, actions: [...a.actions] }) as TokenAccess),
    };
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: this.kid })
      .sign(this.privateKey);
    return { token, expiresInSec: ttlSec, issuedAt: new Date(iat * 1000).toISOString(), claims };
  }

  /**
   * The claims of a token this service (or another node sharing its key) issued for its audience. Throws
   * TokenError (a BerthError('UNAUTHORIZED')) when the token is malformed, not ES256, signed by another key,
   * expired, not yet valid, or for another issuer or audience. The returned object is frozen and shared.
   */
  async verify(token: string): Promise<TokenClaims> {
    const nowMs = this.opts.now();
    const hit = this.cache.get(token);
    if (hit) {
      this.cache.delete(token);
      if (nowMs < hit.untilMs) {
        this.cache.set(token, hit);
        return hit.claims;
      }
    }
    const claims = await this.verifyUncached(token, nowMs);
    this.remember(token, claims);
    return claims;
  }

  /** Verified tokens currently remembered (for metrics). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private async verifyUncached(token: string, nowMs: number): Promise<TokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('malformed');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (cause) {
      throw new TokenError('malformed', cause);
    }
    if (header.alg !== ALGORITHM) throw new TokenError('algorithm');
    if (header.kid !== undefined && header.kid !== this.kid) throw new TokenError('unknown-key');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [ALGORITHM],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.opts.clockSkewSec,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'nbf', 'iat', 'jti'],
      }));
    } catch (err) {
      throw new TokenError(rejectionOf(err), err);
    }
    return deepFreeze(claimsOf(payload));
  }

  private remember(token: string, claims: TokenClaims): void {
    if (this.opts.cacheSize <= 0) return;
    while (this.cache.size >= this.opts.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
    this.cache.set(token, { claims, untilMs: (claims.exp + this.opts.clockSkewSec) * 1000 });
  }
}

function rejectionOf(err: unknown): TokenRejection {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'not-yet-valid';
    if (err.claim === 'iss') return 'issuer';
    if (err.claim === 'aud') return 'audience';
    return 'claims';
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'algorithm';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  return 'malformed';
}

/** Checks the payload is exactly the shape Berth issues; anything else is refused as 'claims'. */
function claimsOf(p: JWTPayload): TokenClaims {
  const { iss, sub, aud, exp, nbf, iat, jti } = p;
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof aud !== 'string' || typeof jti !== 'string'
    || typeof exp !== 'number' || typeof nbf !== 'number' || typeof iat !== 'number' || !Array.isArray(p.access)) {
    throw new TokenError('claims');
  }
  return { iss, sub, aud, exp, nbf, iat, jti, access: p.access.map(accessOf) };
}

function accessOf(raw: unknown): TokenAccess {
  const a = raw as { type?: unknown; name?: unknown; actions?: unknown };
  if (typeof a !== 'object' || a === null || !Array.isArray(a.actions)) throw new TokenError('claims');
  const actions: unknown[] = a.actions;
  if (a.type === 'registry' && a.name === 'catalog' && actions.length === 1 && actions[0] === '*') {
    return { type: 'registry', name: 'catalog', actions: ['*'] };
  }
  if (a.type === 'repository' && typeof a.name === 'string' && isRepoName(a.name)
    && actions.every((x) => (REPOSITORY_ACTIONS as readonly unknown[]).includes(x))) {
    return { type: 'repository', name: a.name, actions: REPOSITORY_ACTIONS.filter((x) => actions.includes(x)) };
  }
  throw new TokenError('claims');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
