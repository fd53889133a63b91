/**
 * The little of ELF binaries the catalogers need (32/64-bit, either byte order): section data by name and
 * virtual addresses mapped to file offsets. Every read is bounds-checked; a malformed file gives undefined
 * rather than an exception.
 */

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

interface Segment {
  vaddr: bigint;
  offset: number;
  fileSize: number;
}

export interface ElfSection {
  name: string;
  offset: number;
  size: number;
  addr: bigint;
}

export class ElfFile {
  readonly is64: boolean;
  readonly isLittleEndian: boolean;
  readonly sections: ElfSection[] = [];
  private readonly segments: Segment[] = [];

  private constructor(readonly bytes: Buffer) {
    this.is64 = bytes[4] === 2;
    this.isLittleEndian = bytes[5] === 1;
  }

  /** Undefined unless `bytes` is an ELF file whose headers lie within it. */
  static parse(bytes: Buffer): ElfFile | undefined {
    if (bytes.length < 52 || !bytes.subarray(0, 4).equals(ELF_MAGIC) || (bytes[4] !== 1 && bytes[4] !== 2)) return undefined;
    const elf = new ElfFile(bytes);
    try {
      elf.readHeaders();
    } catch (err) {
      if (err instanceof RangeError) return undefined;
      throw err;
    }
    return elf;
  }

  uint(offset: number, size: 2 | 4 | 8): bigint {
    if (size === 8) return this.isLittleEndian ? this.bytes.readBigUInt64LE(offset) : this.bytes.readBigUInt64BE(offset);
    if (size === 4) return BigInt(this.isLittleEndian ? this.bytes.readUInt32LE(offset) : this.bytes.readUInt32BE(offset));
    return BigInt(this.isLittleEndian ? this.bytes.readUInt16LE(offset) : this.bytes.readUInt16BE(offset));
  }

  private num(offset: number, size: 2 | 4 | 8): number {
    const v = this.uint(offset, size);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('ELF value out of range');
    return Number(v);
  }

  private readHeaders(): void {
    const w = this.is64 ? 8 : 4;
    const phoff = this.num(this.is64 ? 32 : 28, w);
    const shoff = this.num(this.is64 ? 40 : 32, w);
    const at = this.is64 ? 54 : 42;
    const phentsize = this.num(at, 2);
    const phnum = this.num(at + 2, 2);
    const shentsize = this.num(at + 4, 2);
    const shnum = this.num(at + 6, 2);
    const shstrndx = this.num(at + 8, 2);
    for (let i = 0; i < phnum && phoff > 0; i++) {
      const p = phoff + i * phentsize;
      if (this.num(p, 4) !== 1) continue; // PT_LOAD
      this.segments.push(
        this.is64
          ? { offset: this.num(p + 8, 8), vaddr: this.uint(p + 16, 8), fileSize: this.num(p + 32, 8) }
          : { offset: this.num(p + 4, 4), vaddr: this.uint(p + 8, 4), fileSize: this.num(p + 16, 4) },
      );
    }
    if (shoff === 0 || shnum === 0 || shstrndx >= shnum) return;
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * shentsize;
      raw.push(
        this.is64
          ? { nameAt: this.num(s, 4), type: this.num(s + 4, 4), addr: this.uint(s + 16, 8), offset: this.num(s + 24, 8), size: this.num(s + 32, 8) }
          : { nameAt: this.num(s, 4), type: this.num(s + 4, 4), addr: this.uint(s + 12, 4), offset: this.num(s + 16, 4), size: this.num(s + 20, 4) },
      );
    }
    const strtab = raw[shstrndx]!;
    for (const s of raw) {
      const start = strtab.offset + s.nameAt;
      const end = this.bytes.indexOf(0, start);
      if (start >= this.bytes.length || end < 0) continue;
      // SHT_NOBITS (.bss) has no bytes in the file.
      if (s.type === 8) continue;
      this.sections.push({ name: this.bytes.toString('latin1', start, end), offset: s.offset, size: s.size, addr: s.addr });
    }
  }

  /** A section's bytes, undefined when absent or outside the file. */
  section(name: string): Buffer | undefined {
    const s = this.sections.find((x) => x.name === name);
    if (!s || s.offset + s.size > this.bytes.length) return undefined;
    return this.bytes.subarray(s.offset, s.offset + s.size);
  }

  /** `length` bytes at virtual address `vaddr`, from the loadable segment holding them. */
  readAt(vaddr: bigint, length: number): Buffer | undefined {
    for (const seg of this.segments) {
      if (vaddr < seg.vaddr || vaddr + BigInt(length) > seg.vaddr + BigInt(seg.fileSize)) continue;
      const offset = seg.offset + Number(vaddr - seg.vaddr);
      return offset + length <= this.bytes.length ? this.bytes.subarray(offset, offset + length) : undefined;
    }
    return undefined;
  }
}
