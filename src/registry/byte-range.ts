import type { ByteRange } from '../storage/blob-driver.ts';
import type { ChunkRange } from './upload.service.ts';

/**
 * Parses a `Range: bytes=...` request header against a blob of `sizeBytes`.
 * - undefined: serve the whole blob (no header, a malformed one, or several ranges, as RFC 9110 allows);
 * - 'unsatisfiable': answer 416 with `Content-Range: bytes * /size`;
 * - a range: answer 206 with exactly those bytes.
 */
export function parseRangeHeader(header: string | undefined, sizeBytes: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || sizeBytes === 0) return 'unsatisfiable';
    return { start: Math.max(sizeBytes - suffix, 0), end: sizeBytes - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? sizeBytes - 1 : Math.min(Number(m[2]), sizeBytes - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= sizeBytes) return 'unsatisfiable';
  return { start, end };
}

/**
 * Parses an upload chunk's `Content-Range`. Distribution and clients send `start-end`; the RFC form
 * `bytes start-end/total` is accepted too. Throws nothing: undefined means malformed.
 */
export function parseContentRange(header: string): ChunkRange | undefined {
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  return { start, end };
}
