import type { ElfFile } from './elf.ts';

/**
 * Go's embedded build information (what `go version -m` prints), as debug/buildinfo reads it: a 32-byte
 * header starting `\xff Go buildinf:` in `.go.buildinfo` (16-byte aligned), then either the version and
 * module strings inline as varint-length-prefixed bytes (Go 1.18+, flag 2) or two pointers to Go string
 * headers (older toolchains) resolved through the binary's segments.
 */

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const MAX_STRING_BYTES = 4 * 1024 * 1024;
/** runtime/debug wraps modinfo in these 16-byte sentinels. */
const MODINFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const MODINFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
}

export interface GoBuildInfo {
  /** `go1.21.5` (any `X:` experiment suffix dropped). */
  goVersion: string;
  /** The main package's import path. */
  path: string | undefined;
  main: GoModule | undefined;
  /** Dependencies with replacements applied (a replaced module reports its replacement when it has a version). */
  deps: GoModule[];
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && shift < 35; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

function inlineStrings(blob: Buffer): [Buffer, Buffer] | undefined {
  const out: Buffer[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < 2; i++) {
    const len = readVarint(blob, at);
    if (!len || len.value > MAX_STRING_BYTES || len.next + len.value > blob.length) return undefined;
    out.push(blob.subarray(len.next, len.next + len.value));
    at = len.next + len.value;
  }
  return [out[0]!, out[1]!];
}

function pointerStrings(elf: ElfFile, blob: Buffer): [Buffer, Buffer] | undefined {
  const ptrSize = blob[14];
  if (ptrSize !== 4 && ptrSize !== 8) return undefined;
  const isBigEndian = (blob[15]! & 1) === 1;
  const read = (buf: Buffer, at: number): bigint => (ptrSize === 8 ? (isBigEndian ? buf.readBigUInt64BE(at) : buf.readBigUInt64LE(at)) : BigInt(isBigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at)));
  const goString = (headerAddr: bigint): Buffer | undefined => {
    const header = elf.readAt(headerAddr, ptrSize * 2);
    if (!header) return undefined;
    const len = read(header, ptrSize);
    if (len > BigInt(MAX_STRING_BYTES)) return undefined;
    return elf.readAt(read(header, 0), Number(len));
  };
  const version = goString(read(blob, 16));
  const mod = goString(read(blob, 16 + ptrSize));
  return version === undefined || mod === undefined ? undefined : [version, mod];
}

/** The modinfo text (`path`, `mod`, `dep`, `=>`, `build` lines) as modules. */
export function parseModInfo(bytes: Buffer): Pick<GoBuildInfo, 'path' | 'main' | 'deps'> {
  const isWrapped = bytes.length >= 33 && bytes.subarray(0, 16).equals(MODINFO_START) && bytes.subarray(-16).equals(MODINFO_END);
  const text = (isWrapped ? bytes.subarray(16, -16) : bytes).toString('utf8');
  let path: string | undefined;
  let main: GoModule | undefined;
  const deps: GoModule[] = [];
  for (const line of text.split('\n')) {
    const [kind, modPath, version, sum] = line.split('\t');
    if (kind === 'path') path = modPath;
    else if (kind === 'mod' && modPath) main = { path: modPath, version: version ?? '', ...(sum ? { sum } : {}) };
    else if (kind === 'dep' && modPath) deps.push({ path: modPath, version: version ?? '', ...(sum ? { sum } : {}) });
    // A replacement by a module version stands in for the dependency; a local directory (`./greet`) does not name one.
    else if (kind === '=>' && modPath && deps.length > 0 && version && !/^(\.{1,2}\/|\/)/.test(modPath)) deps[deps.length - 1] = { path: modPath, version, ...(sum ? { sum } : {}) };
  }
  return { path, main, deps };
}

function findHeader(elf: ElfFile): Buffer | undefined {
  const section = elf.section('.go.buildinfo');
  if (section?.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) return section;
  if (elf.sections.length > 0) return undefined;
  // Without section headers, search the file at 16-byte alignment, as debug/buildinfo does in data.
  for (let at = elf.bytes.indexOf(BUILDINFO_MAGIC); at >= 0; at = elf.bytes.indexOf(BUILDINFO_MAGIC, at + 1)) {
    if (at % 16 === 0) return elf.bytes.subarray(at);
  }
  return undefined;
}

/** The build info of a Go binary; undefined for other binaries or unreadable info. */
export function readGoBuildInfo(elf: ElfFile): GoBuildInfo | undefined {
  const blob = findHeader(elf);
  if (!blob || blob.length < HEADER_BYTES) return undefined;
  const strings = (blob[15]! & 2) === 2 ? inlineStrings(blob) : pointerStrings(elf, blob);
  const goVersion = strings?.[0].toString('utf8').split(/\s/)[0];
  if (!strings || !goVersion?.startsWith('go')) return undefined;
  return { goVersion, ...parseModInfo(strings[1]) };
}
