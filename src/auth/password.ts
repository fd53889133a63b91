import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import { BerthError } from '../errors/berth-error.ts';
import { MAX_PASSWORD_BYTES } from './credentials.ts';

/** A PHC-format argon2 hash string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), as stored for an account. */
export type PasswordHash = string & { readonly __brand: 'PasswordHash' };

export interface PasswordHashParams {
  /** Memory per hash, KiB. */
  memoryCostKiB: number;
  /** Passes over that memory. */
  timeCost: number;
  /** Lanes; 1 keeps each hash on one libuv thread so concurrent logins do not starve each other. */
  parallelism: number;
}

/**
 * OWASP's argon2id recommendation (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. Roughly
 * 20-50 ms per hash on a server core; 19 MiB per concurrent hash bounds memory when many logins arrive at
 * once (the libuv pool runs at most 4 by default). Raising them later is safe: `needsRehash` tells the login
 * path to re-hash with the new values after a successful verification.
 */
export const DEFAULT_PASSWORD_PARAMS: Readonly<PasswordHashParams> = Object.freeze({ memoryCostKiB: 19_456, timeCost: 2, parallelism: 1 });

const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, which isolatedModules cannot inline)
const VERSION_0x13 = 1; // Version.V0x13
const OUTPUT_BYTES = 32;

/**
 * Hashes a password with argon2id and a fresh random salt. Throws BerthError('BAD_REQUEST') for an empty
 * password or one over MAX_PASSWORD_BYTES (length rules beyond that belong to the account service).
 * Runs on the libuv thread pool; safe to call concurrently.
 */
export async function hashPassword(password: string, params: Readonly<PasswordHashParams> = DEFAULT_PASSWORD_PARAMS): Promise<PasswordHash> {
  if (password.length === 0) throw new BerthError('BAD_REQUEST', { message: 'password must not be empty' });
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new BerthError('BAD_REQUEST', { message: `password must be at most ${MAX_PASSWORD_BYTES} bytes` });
  }
  const encoded = await hash(password, {
    algorithm: ARGON2ID,
    version: VERSION_0x13,
    memoryCost: params.memoryCostKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    outputLen: OUTPUT_BYTES,
  });
  return encoded as PasswordHash;
}

let dummyHash: Promise<PasswordHash> | undefined;

/**
 * Whether `password` matches `stored`. With `stored` undefined (no such account) it still runs one argon2
 * verification against a fixed dummy hash and returns false, so a caller cannot tell a missing account from a
 * wrong password by timing. An oversize password is false without hashing. Throws BerthError('INTERNAL') when
 * `stored` is not a well-formed argon2 hash (a corrupt row must not look like a wrong password). Runs on the
 * libuv thread pool; safe to call concurrently.
 */
export async function verifyPassword(stored: PasswordHash | undefined, password: string): Promise<boolean> {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
  if (stored === undefined) {
    dummyHash ??= hashPassword(generateSecret());
    await verify(await dummyHash, password);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch (cause) {
    throw new BerthError('INTERNAL', { message: 'stored password hash is malformed', cause });
  }
}

/**
 * Whether a stored hash was made with other parameters than `params` (or another argon2 variant), so the login
 * path should re-hash the password it just verified. A malformed hash also needs one. Pure.
 */
export function needsRehash(stored: PasswordHash, params: Readonly<PasswordHashParams> = DEFAULT_PASSWORD_PARAMS): boolean {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(stored);
  } catch {
    return true;
  }
  return parsed.algorithm !== ARGON2ID
    || parsed.version !== VERSION_0x13
    || parsed.memoryCost !== params.memoryCostKiB
    || parsed.timeCost !== params.timeCost
    || parsed.parallelism !== params.parallelism
    || parsed.outputLen !== OUTPUT_BYTES
    || parsed.saltLen < 16;
}

/**
 * A random secret for robot accounts and generated admin passwords: `bytes` bytes from the CSPRNG (default 32,
 * i.e. 256 bits), base64url without padding, so it is safe in URLs, shells and config files. Throws RangeError
 * for fewer than 16 bytes. Safe to call concurrently.
 */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) throw new RangeError('generateSecret needs 16..1024 bytes');
  return randomBytes(bytes).toString('base64url');
}
