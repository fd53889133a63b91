import { BerthError } from '../errors/berth-error.ts';

/** One PEM block: its label (`PUBLIC KEY`, `ENCRYPTED SIGSTORE PRIVATE KEY`, ...) and decoded bytes. */
export interface PemBlock {
  label: string;
  bytes: Buffer;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/;

export function keyError(message: string, cause?: unknown): BerthError {
  return new BerthError('BAD_REQUEST', { message, ...(cause ? { cause } : {}) });
}

/** The first PEM block of `text`. Throws BerthError(BAD_REQUEST) when there is none. */
export function decodePem(text: string, what: string): PemBlock {
  const m = PEM_RE.exec(text);
  if (!m) throw keyError(`${what} is not a PEM file (no -----BEGIN ...----- block)`);
  // Encapsulated headers (Proc-Type, DEK-Info) precede a blank line; their presence means legacy OpenSSL encryption.
  const body = m[2]!.includes(':') ? m[2]!.slice(m[2]!.search(/\r?\n\r?\n/) + 1) : m[2]!;
  return { label: m[1]!, bytes: Buffer.from(body.replace(/\s+/g, ''), 'base64') };
}

/** PEM text with 64-character lines, as Go's encoding/pem writes it. */
export function encodePem(label: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
