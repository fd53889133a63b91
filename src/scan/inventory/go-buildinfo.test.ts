import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ElfFile } from './elf.ts';
import { BUILDINFO_MAGIC, readGoBuildInfo } from './go-buildinfo.ts';

const BASE = 0x400000n;
const SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/**
 * A Go 1.13-1.17 style binary: no section headers, one loadable segment, and a build info header whose two
 * pointers lead to Go string headers, which lead to the version and the sentinel-wrapped module info.
 */
function pointerFormatBinary(version: string, modinfo: string): Buffer {
  const mod = Buffer.concat([SENTINEL_START, Buffer.from(modinfo), SENTINEL_END]);
  const size = 256 + version.length + mod.length;
  const elf = Buffer.alloc(size);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(62, 18); // x86-64
  elf.writeBigUInt64LE(64n, 32); // e_phoff
  elf.writeUInt16LE(64, 52);
  elf.writeUInt16LE(56, 54);
  elf.writeUInt16LE(1, 56); // one program header
  elf.writeUInt16LE(64, 58);
  elf.writeUInt32LE(1, 64); // PT_LOAD
  elf.writeBigUInt64LE(0n, 72);
  elf.writeBigUInt64LE(BASE, 80);
  elf.writeBigUInt64LE(BigInt(size), 96);
  elf.writeBigUInt64LE(BigInt(size), 104);
  BUILDINFO_MAGIC.copy(elf, 128);
  elf[142] = 8; // pointer size
  elf[143] = 0; // little-endian, pointer format
  elf.writeBigUInt64LE(BASE + 176n, 144);
  elf.writeBigUInt64LE(BASE + 192n, 152);
  elf.writeBigUInt64LE(BASE + 256n, 176);
  elf.writeBigUInt64LE(BigInt(version.length), 184);
  elf.writeBigUInt64LE(BASE + 256n + BigInt(version.length), 192);
  elf.writeBigUInt64LE(BigInt(mod.length), 200);
  elf.write(version, 256);
  mod.copy(elf, 256 + version.length);
  return elf;
}

describe('Go build info', () => {
  it('reads the pre-1.18 pointer format through the segments, applying module replacements', () => {
    const modinfo = [
      'path\texample.com/old/cmd/tool',
      'mod\texample.com/old\tv0.3.1\th1:abc=',
      'dep\tgolang.org/x/text\tv0.3.5\th1:def=',
      'dep\tgithub.com/pkg/errors\tv0.8.0\th1:ghi=',
      '=>\tgithub.com/pkg/errors\tv0.9.1\th1:jkl=',
      '',
    ].join('\n');
    const info = readGoBuildInfo(ElfFile.parse(pointerFormatBinary('go1.16.15', modinfo))!);
    assert.deepEqual(info, {
      goVersion: 'go1.16.15',
      path: 'example.com/old/cmd/tool',
      main: { path: 'example.com/old', version: 'v0.3.1', sum: 'h1:abc=' },
      deps: [
        { path: 'golang.org/x/text', version: 'v0.3.5', sum: 'h1:def=' },
        { path: 'github.com/pkg/errors', version: 'v0.9.1', sum: 'h1:jkl=' },
      ],
    });
  });

  it('gives nothing when the pointers lead outside the binary', () => {
    const binary = pointerFormatBinary('go1.16.15', 'path\tx\n');
    binary.writeBigUInt64LE(0x900000n, 144);
    assert.equal(readGoBuildInfo(ElfFile.parse(binary)!), undefined);
  });
});
