/**
 * The RPM header blob as rpmdb stores it (no lead, no header magic): `il` index entries and `dl` data
 * bytes, both big-endian int32, then `il` 16-byte entries (tag, type, offset, count), then the data store.
 * Only the types packages need are decoded; offsets and counts are bounds-checked against the blob.
 */

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
const MAX_ENTRIES = 1 << 16;

export type RpmTagValue = string | string[] | number[];

export class RpmHeaderError extends Error {}

function readStrings(data: Buffer, offset: number, count: number): string[] {
  const out: string[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf(0, at);
    if (end < 0) throw new RpmHeaderError('string runs past the end of the header');
    out.push(data.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

/** The tags of `blob` that are in `wanted`. Throws RpmHeaderError for a malformed blob. */
export function parseRpmHeader(blob: Buffer, wanted: ReadonlySet<number>): Map<number, RpmTagValue> {
  if (blob.length < 8) throw new RpmHeaderError('header shorter than its counts');
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il > MAX_ENTRIES || 8 + il * 16 + dl > blob.length) throw new RpmHeaderError(`header counts (${il} entries, ${dl} data bytes) exceed the blob`);
  const data = blob.subarray(8 + il * 16, 8 + il * 16 + dl);
  const tags = new Map<number, RpmTagValue>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    if (!wanted.has(tag)) continue;
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);
    if (offset < 0 || offset >= data.length) throw new RpmHeaderError(`tag ${tag} points outside the data`);
    if (type === TYPE_INT32) {
      if (offset + count * 4 > data.length) throw new RpmHeaderError(`tag ${tag} runs past the data`);
      tags.set(tag, Array.from({ length: count }, (_, k) => data.readInt32BE(offset + k * 4)));
    } else if (type === TYPE_STRING) {
      tags.set(tag, readStrings(data, offset, 1)[0]!);
    } else if (type === TYPE_I18NSTRING) {
      tags.set(tag, readStrings(data, offset, 1)[0]!);
    } else if (type === TYPE_STRING_ARRAY) {
      if (count > data.length) throw new RpmHeaderError(`tag ${tag} counts more strings than bytes`);
      tags.set(tag, readStrings(data, offset, count));
    }
  }
  return tags;
}
