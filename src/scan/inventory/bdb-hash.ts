/**
 * The values of a Berkeley DB hash database file (rpm's `Packages` before rpm 4.16), read from its bytes
 * without the library: every hash page in file order (buckets need not be followed to see every item), with
 * on-page and overflow (off-page) values. Either byte order. Page links are bounds- and loop-checked.
 */

const HASH_MAGIC = 0x061561;
const PAGE_HEADER_BYTES = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;

export class BdbError extends Error {}

interface Reader {
  u16(at: number): number;
  u32(at: number): number;
}

function reader(bytes: Buffer, isBigEndian: boolean): Reader {
  return isBigEndian ? { u16: (at) => bytes.readUInt16BE(at), u32: (at) => bytes.readUInt32BE(at) } : { u16: (at) => bytes.readUInt16LE(at), u32: (at) => bytes.readUInt32LE(at) };
}

/** Each stored value (the keys are rpm's instance numbers, not needed). Throws BdbError for a file that is not a hash database or whose links are broken. */
export function bdbHashValues(bytes: Buffer, maxValueBytes: number): Buffer[] {
  if (bytes.length < 512) throw new BdbError('shorter than a Berkeley DB metadata page');
  const isBigEndian = bytes.readUInt32LE(12) !== HASH_MAGIC;
  if (isBigEndian && bytes.readUInt32BE(12) !== HASH_MAGIC) throw new BdbError('not a Berkeley DB hash database');
  const r = reader(bytes, isBigEndian);
  const pageSize = r.u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BdbError(`page size ${pageSize} is not valid`);
  const pageCount = Math.min(r.u32(32) + 1, Math.floor(bytes.length / pageSize));
  const values: Buffer[] = [];

  const overflow = (first: number, length: number): Buffer => {
    if (length > maxValueBytes) throw new BdbError(`a value of ${length} bytes is over the ${maxValueBytes}-byte limit`);
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    let page = first;
    for (let hops = 0; filled < length; hops++) {
      if (page === 0 || page >= pageCount || hops > pageCount) throw new BdbError(`overflow chain from page ${first} is broken`);
      const at = page * pageSize;
      if (bytes[at + 25] !== P_OVERFLOW) throw new BdbError(`page ${page} is not an overflow page`);
      const used = r.u16(at + 22);
      if (used > pageSize - PAGE_HEADER_BYTES || used > length - filled) throw new BdbError(`overflow page ${page} holds more than its value`);
      bytes.copy(out, filled, at + PAGE_HEADER_BYTES, at + PAGE_HEADER_BYTES + used);
      filled += used;
      page = r.u32(at + 16);
    }
    return out;
  };

  for (let page = 1; page < pageCount; page++) {
    const at = page * pageSize;
    const type = bytes[at + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = Math.min(r.u16(at + 20), (pageSize - PAGE_HEADER_BYTES) / 2);
    const offset = (i: number): number => r.u16(at + PAGE_HEADER_BYTES + i * 2);
    // Items are packed from the end of the page down: an item ends where the previous one begins.
    for (let i = 0; i + 1 < entries; i += 2) {
      const valueAt = offset(i + 1);
      const end = offset(i);
      if (valueAt >= pageSize || end > pageSize || valueAt >= end) throw new BdbError(`page ${page} has an item outside it`);
      const item = at + valueAt;
      if (bytes[item] === H_OFFPAGE) values.push(overflow(r.u32(item + 4), r.u32(item + 8)));
      else if (bytes[item] === H_KEYDATA) values.push(bytes.subarray(item + 1, at + end));
    }
  }
  return values;
}
