import { inflateRawSync } from 'node:zlib';

/**
 * A small reader of zip archives held in memory (jars): the central directory lists the entries, each read
 * on demand, stored or deflated, with its size bounded. ZIP64 archives and encrypted entries are refused.
 */

export interface ZipEntry {
  name: string;
  method: number;
  compressedBytes: number;
  sizeBytes: number;
  localHeaderOffset: number;
  isEncrypted: boolean;
}

export class ZipError extends Error {}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_COMMENT_BYTES = 0xffff;

export function listZipEntries(zip: Buffer): ZipEntry[] {
  const from = Math.max(0, zip.length - 22 - MAX_COMMENT_BYTES);
  let eocd = -1;
  for (let at = zip.length - 22; at >= from; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError(`central directory entry ${i} is malformed`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedBytes: zip.readUInt32LE(at + 20),
      sizeBytes: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
      isEncrypted: (zip.readUInt16LE(at + 8) & 1) === 1,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The entry's uncompressed bytes; throws ZipError when it is larger than `maxBytes` or cannot be read. */
export function readZipEntry(zip: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  if (entry.isEncrypted) throw new ZipError(`${entry.name} is encrypted`);
  if (entry.sizeBytes > maxBytes) throw new ZipError(`${entry.name} is larger than ${maxBytes} bytes`);
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new ZipError(`${entry.name} has no local header`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedBytes);
  if (data.length !== entry.compressedBytes) throw new ZipError(`${entry.name} runs past the end of the archive`);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new ZipError(`${entry.name} uses unsupported compression method ${entry.method}`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    throw new ZipError(`${entry.name} cannot be inflated: ${(err as Error).message}`);
  }
}
