import type { FileHandle } from 'node:fs/promises';
import { BerthError } from '../errors/berth-error.ts';
import { normalizeEntryPath } from './entry-path.ts';

/** Where an entry's content sits in a tar file. */
export interface TarEntryLocation {
  /** Byte offset of the content (just past the header). */
  offset: number;
  sizeBytes: number;
  /** The ustar type flag: '0' file, '5' directory, '2' symlink, ... */
  type: string;
}

const BLOCK = 512;
const MAX_LONG_HEADER_BYTES = 1024 * 1024;

function invalid(what: string, message: string): BerthError {
  return new BerthError('IMAGE_INVALID', { message: `${what}: ${message}` });
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** Octal (with spaces/NULs), or GNU base-256 when the top bit of the first byte is set. */
function numeric(block: Buffer, start: number, length: number): number {
  if (block[start]! & 0x80) {
    let value = block[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const text = cString(block, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function isChecksumValid(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === numeric(block, 148, 8);
}

function paxRecords(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(body.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(length) || length <= 0) break;
    const record = body.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return records;
}

/**
 * Maps each entry name of the tar file `handle` (normalized: no leading `./` or `/`) to where its content
 * is, reading only the headers: a multi-gigabyte `docker save` archive is indexed without reading its
 * layers. ustar, GNU long names and PAX `path`/`size` records are understood. Throws IMAGE_INVALID for a
 * corrupt or truncated archive, IMAGE_LIMIT_EXCEEDED past `maxEntries`.
 */
export async function indexTarFile(handle: FileHandle, what: string, opts: { maxEntries?: number } = {}): Promise<Map<string, TarEntryLocation>> {
  const maxEntries = opts.maxEntries ?? 100_000;
  const fileBytes = (await handle.stat()).size;
  const entries = new Map<string, TarEntryLocation>();
  const block = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  const readAt = async (buffer: Buffer, at: number): Promise<number> => (await handle.read(buffer, 0, buffer.length, at)).bytesRead;

  while (pos + BLOCK <= fileBytes) {
    if ((await readAt(block, pos)) < BLOCK) throw invalid(what, 'truncated tar header');
    if (block.every((b) => b === 0)) break;
    if (!isChecksumValid(block)) throw invalid(what, `bad tar header checksum at byte ${pos}`);
    const type = String.fromCharCode(block[156]!) === '\0' ? '0' : String.fromCharCode(block[156]!);
    let sizeBytes = numeric(block, 124, 12);
    const offset = pos + BLOCK;
    if (type === 'L' || type === 'x' || type === 'g' || type === 'K') {
      if (sizeBytes > MAX_LONG_HEADER_BYTES) throw invalid(what, 'oversized extended header');
      const body = Buffer.alloc(sizeBytes);
      if ((await readAt(body, offset)) < sizeBytes) throw invalid(what, 'truncated extended header');
      if (type === 'L') longName = cString(body, 0, body.length);
      if (type === 'x') pax = paxRecords(body);
    } else {
      const isPosix = block.subarray(257, 263).toString('latin1') === 'ustar\0';
      const prefix = isPosix ? cString(block, 345, 155) : '';
      const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100));
      if (pax.size !== undefined) sizeBytes = Number(pax.size);
      if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || offset + sizeBytes > fileBytes) throw invalid(what, `entry ${rawName.slice(0, 200)} runs past the end of the archive`);
      const name = normalizeEntryPath(rawName);
      if (!name.escapesRoot && name.path !== '') entries.set(name.path, { offset, sizeBytes, type });
      if (entries.size > maxEntries) throw new BerthError('IMAGE_LIMIT_EXCEEDED', { message: `${what} holds more than ${maxEntries} entries`, detail: { limit: 'maxEntries', value: maxEntries } });
      longName = undefined;
      pax = {};
    }
    pos = offset + Math.ceil(sizeBytes / BLOCK) * BLOCK;
  }
  return entries;
}
