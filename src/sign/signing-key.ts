import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { decryptPrivateKey, ENCRYPTED_KEY_LABEL, ENCRYPTED_KEY_LABELS, encryptPrivateKey } from './encrypted-key.ts';
import { decodePem, encodePem, keyError } from './key-pem.ts';

/** The key types cosign signs with: ECDSA (P-256 by default), Ed25519, RSA PKCS#1 v1.5. */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

const CURVES: Record<string, KeyAlgorithm> = { prime256v1: 'ecdsa-p256', secp384r1: 'ecdsa-p384', secp521r1: 'ecdsa-p521' };

function algorithmOf(key: KeyObject): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[String(key.asymmetricKeyDetails?.namedCurve)];
    if (curve) return curve;
    throw keyError(`unsupported elliptic curve ${String(key.asymmetricKeyDetails?.namedCurve)} (use P-256, P-384 or P-521)`);
  }
  throw keyError(`unsupported key type ${String(key.asymmetricKeyType)} (use ECDSA, Ed25519 or RSA)`);
}

/**
 * The digest the signature covers: cosign signs with SHA-256 for every ECDSA curve and for RSA (sigstore's
 * signer loaded with crypto.SHA256); Ed25519 signs the message itself.
 */
function hashFor(algorithm: KeyAlgorithm): string | null {
  return algorithm === 'ed25519' ? null : 'sha256';
}

/** A public key that checks signatures. Immutable; safe to share. */
export class VerificationKey {
  readonly algorithm: KeyAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;

  constructor(readonly key: KeyObject) {
    this.algorithm = algorithmOf(key);
    this.spki = key.export({ format: 'der', type: 'spki' });
  }

  /** Whether `signature` (ECDSA: ASN.1 DER, as cosign writes it) is valid over `data`. Never throws. */
  verify(data: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verify(hashFor(this.algorithm), data, this.key, signature);
    } catch {
      return false;
    }
  }

  /** sigstore's key hint: base64 of the SHA-256 of the DER public key (what a bundle's `publicKey.hint` holds). */
  get hint(): string {
    return createHash('sha256').update(this.spki).digest('base64');
  }

  /** PEM `PUBLIC KEY` (SubjectPublicKeyInfo), the `.pub` file cosign writes. */
  toPem(): string {
    return encodePem('PUBLIC KEY', this.spki);
  }
}

/** A private key that signs, with its public half. */
export class SigningKey {
  readonly publicKey: VerificationKey;

  constructor(private readonly key: KeyObject) {
    this.publicKey = new VerificationKey(createPublicKey(key));
  }

  get algorithm(): KeyAlgorithm {
    return this.publicKey.algorithm;
  }

  sign(data: Uint8Array): Buffer {
    return sign(hashFor(this.algorithm), data, this.key);
  }

  /** The key as cosign's encrypted PEM (`ENCRYPTED SIGSTORE PRIVATE KEY`), readable by `cosign sign --key`. */
  async toEncryptedPem(password: string): Promise<string> {
    const pkcs8 = this.key.export({ format: 'der', type: 'pkcs8' });
    return encodePem(ENCRYPTED_KEY_LABEL, await encryptPrivateKey(pkcs8, password));
  }
}

/** A fresh ECDSA P-256 key, cosign's default. */
export function generateSigningKey(): SigningKey {
  return new SigningKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
}

/** Labels whose PEM a password unlocks: cosign's format and OpenSSL's encrypted PKCS#8 / legacy PEM. */
export function isEncryptedKeyPem(text: string): boolean {
  const label = decodePem(text, 'the key').label;
  return (ENCRYPTED_KEY_LABELS as readonly string[]).includes(label) || label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(text);
}

/**
 * Reads a private key PEM: cosign's encrypted format, PKCS#8 (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`), SEC1
 * (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`). `password` is asked only for an encrypted key. Throws
 * BerthError(BAD_REQUEST) for anything else, an unsupported key type or a wrong password.
 */
export async function parsePrivateKey(text: string, password: () => Promise<string>): Promise<SigningKey> {
  const block = decodePem(text, 'the private key');
  if ((ENCRYPTED_KEY_LABELS as readonly string[]).includes(block.label)) {
    const der = await decryptPrivateKey(block.bytes, await password());
    try {
      return new SigningKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    } catch (err) {
      throw keyError('the decrypted key is not a PKCS#8 private key', err);
    }
  }
  if (!/PRIVATE KEY$/.test(block.label)) throw keyError(`expected a private key, found a PEM "${block.label}" block`);
  const passphrase = isEncryptedKeyPem(text) ? await password() : undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch (err) {
    throw keyError(`cannot read the private key${passphrase !== undefined ? ' (wrong password?)' : ''}: ${(err as Error).message}`, err);
  }
  return new SigningKey(key);
}

/** Reads a public key PEM: `PUBLIC KEY` (SPKI, as cosign writes), `RSA PUBLIC KEY`, or a `CERTIFICATE`'s key. */
export function parsePublicKey(text: string): VerificationKey {
  const block = decodePem(text, 'the public key');
  try {
    if (block.label === 'CERTIFICATE') return new VerificationKey(new X509Certificate(block.bytes).publicKey);
    if (block.label === 'PUBLIC KEY' || block.label === 'RSA PUBLIC KEY') return new VerificationKey(createPublicKey({ key: text, format: 'pem' }));
  } catch (err) {
    if ((err as { name?: string }).name === 'BerthError') throw err;
    throw keyError(`cannot read the public key: ${(err as Error).message}`, err);
  }
  throw keyError(`expected a public key, found a PEM "${block.label}" block${/PRIVATE/.test(block.label) ? ' (pass the .pub file)' : ''}`);
}
