/**
 * Just enough DER to read a certificate's extensions, which node:crypto's X509Certificate does not expose:
 * Certificate -> tbsCertificate -> [3] extensions -> Extension { extnID, critical?, extnValue }. Pure; throws
 * Error on malformed input.
 */

interface Node {
  tag: number;
  /** Offset of the contents, and their length. */
  start: number;
  length: number;
}

function readNode(der: Uint8Array, offset: number): Node {
  if (offset + 2 > der.length) throw new Error('DER: truncated');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > der.length) throw new Error('DER: bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  if (start + length > der.length) throw new Error('DER: truncated');
  return { tag, start, length };
}

function children(der: Uint8Array, parent: Node): Node[] {
  const out: Node[] = [];
  for (let at = parent.start; at < parent.start + parent.length; ) {
    const node = readNode(der, at);
    out.push(node);
    at = node.start + node.length;
  }
  return out;
}

function oidText(bytes: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  return [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40, ...parts].join('.');
}

/** The extensions of a DER certificate: OID (dotted) -> the extnValue's contents (the OCTET STRING's bytes). */
export function certificateExtensions(der: Uint8Array): Map<string, Buffer> {
  const cert = readNode(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs) throw new Error('DER: no tbsCertificate');
  const wrapper = children(der, tbs).find((n) => n.tag === 0xa3);
  const out = new Map<string, Buffer>();
  if (!wrapper) return out;
  const list = children(der, wrapper)[0];
  if (!list) return out;
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    const oid = parts[0];
    const value = parts.at(-1);
    if (!oid || oid.tag !== 0x06 || !value || value.tag !== 0x04) continue;
    out.set(oidText(der.subarray(oid.start, oid.start + oid.length)), Buffer.from(der.subarray(value.start, value.start + value.length)));
  }
  return out;
}

/** The string inside a DER UTF8String / IA5String / PrintableString, or undefined. */
export function derString(bytes: Uint8Array): string | undefined {
  try {
    const node = readNode(bytes, 0);
    if (![0x0c, 0x16, 0x13].includes(node.tag) || node.start + node.length !== bytes.length) return undefined;
    return Buffer.from(bytes.subarray(node.start, node.start + node.length)).toString('utf8');
  } catch {
    return undefined;
  }
}
