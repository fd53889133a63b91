import { secretbox } from '@noble/ciphers/salsa.js';
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { keyError } from './key-pem.ts';

/**
 * cosign's encrypted private key format (sigstore `cryptoutils`, go-securesystemslib `encrypted`): the PEM body
 * is JSON `{kdf: {name: "scrypt", params: {N, r, p}, salt}, cipher: {name: "nacl/secretbox", nonce}, ciphertext}`
 * (byte fields in standard base64); the 32-byte secretbox key is scrypt(password, salt), the plaintext is the
 * PKCS#8 DER private key. cosign writes it under `ENCRYPTED SIGSTORE PRIVATE KEY` (older releases:
 * `ENCRYPTED COSIGN PRIVATE KEY`).
 */
export const ENCRYPTED_KEY_LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'] as const;
export const ENCRYPTED_KEY_LABEL = ENCRYPTED_KEY_LABELS[0];

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** What `cosign generate-key-pair` writes: N=2^16, r=8, p=1 (older releases used N=2^15, also read). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 65536, r: 8, p: 1 };
/** Bounds on what a key file may ask of us: 2^20 * 8 * 128 bytes is 1 GiB of scrypt memory at most. */
const MAX_N = 1 << 20;
const MAX_RP = 16;
const KEY_BYTES = 32;
const SALT_BYTES = 32;
const NONCE_BYTES = 24;

interface EncryptedKeyJson {
  kdf: { name: string; params: ScryptParams; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

function deriveKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r * (params.p + 1) + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scryptCallback(Buffer.from(password, 'utf8'), salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Encrypts PKCS#8 DER key bytes into the JSON document cosign stores in the PEM body. */
export async function encryptPrivateKey(pkcs8Der: Uint8Array, password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<Buffer> {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(password, salt, params);
  const ciphertext = secretbox(key, nonce).seal(pkcs8Der);
  const doc: EncryptedKeyJson = {
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return Buffer.from(JSON.stringify(doc));
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * Decrypts the JSON document of a cosign encrypted key to PKCS#8 DER bytes. Throws BerthError(BAD_REQUEST) for a
 * malformed document, unsupported algorithms, parameters beyond the bounds, or a wrong password.
 */
export async function decryptPrivateKey(json: Uint8Array, password: string): Promise<Buffer> {
  let doc: EncryptedKeyJson;
  try {
    doc = JSON.parse(Buffer.from(json).toString('utf8')) as EncryptedKeyJson;
  } catch {
    throw keyError('the encrypted key is not the JSON document cosign writes');
  }
  const { kdf, cipher } = doc ?? {};
  if (kdf?.name !== 'scrypt' || cipher?.name !== 'nacl/secretbox') {
    throw keyError(`unsupported key encryption ${String(kdf?.name)}/${String(cipher?.name)} (cosign uses scrypt/nacl/secretbox)`);
  }
  const { N, r, p } = kdf.params ?? ({} as ScryptParams);
  if (!isInt(N, 2, MAX_N) || (N & (N - 1)) !== 0 || !isInt(r, 1, MAX_RP) || !isInt(p, 1, MAX_RP)) {
    throw keyError('the encrypted key has scrypt parameters out of range');
  }
  const salt = Buffer.from(String(kdf.salt), 'base64');
  const nonce = Buffer.from(String(cipher.nonce), 'base64');
  const ciphertext = Buffer.from(String(doc.ciphertext), 'base64');
  if (nonce.length !== NONCE_BYTES || salt.length === 0 || ciphertext.length <= 16) throw keyError('the encrypted key is malformed (nonce, salt or ciphertext)');
  const key = await deriveKey(password, salt, { N, r, p });
  try {
    return Buffer.from(secretbox(key, nonce).open(ciphertext));
  } catch {
    throw keyError('cannot decrypt the private key: wrong password');
  }
}
