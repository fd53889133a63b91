import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { isBerthError } from '../errors/berth-error.ts';
import { compressLayer, tarArchive, tarEntries, type LayerCompression } from '../../test/helpers/test-image.ts';
import { readLayer, type LayerEntry, type LayerIssue, type ReadLayerOptions } from './layer-reader.ts';

type Seen = Omit<LayerEntry, 'read' | 'content' | 'mtimeMs'> & { text?: string };

async function collect(bytes: Buffer, opts: ReadLayerOptions = {}, readAll = true): Promise<{ entries: Seen[]; issues: LayerIssue[] }> {
  const issues: LayerIssue[] = [];
  const entries: Seen[] = [];
  for await (const e of readLayer(Readable.from([bytes]), { ...opts, onIssue: (i) => issues.push(i) })) {
    const { path, type, sizeBytes, mode, uid, gid, linkTarget } = e;
    entries.push({ path, type, sizeBytes, mode, uid, gid, linkTarget, ...(readAll && type === 'file' ? { text: (await e.read()).toString() } : {}) });
  }
  return { entries, issues };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a rejection');
}

/** A one-file tar of `sizeBytes` zero bytes, compressed by streaming (never held whole): a bomb's shape. */
async function zeroLayer(sizeBytes: number, compression: 'gzip' | 'zstd'): Promise<Buffer> {
  const header = tarEntries([{ name: 'zeros', type: '0', sizeBytes }], { isEnded: false }).subarray(0, 512);
  const child = compression === 'zstd' ? spawn('zstd', ['-q', '-1', '-c']) : undefined;
  const gzip = compression === 'gzip' ? createGzip({ level: 1 }) : undefined;
  const sink = (child?.stdin ?? gzip)!;
  const out = (child?.stdout ?? gzip)!;
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(out, 'end');
  const write = async (b: Buffer): Promise<void> => {
    if (!sink.write(b)) await once(sink, 'drain');
  };
  await write(header);
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = sizeBytes; left > 0; left -= zeros.length) await write(left >= zeros.length ? zeros : zeros.subarray(0, left));
  await write(Buffer.alloc(((512 - (sizeBytes % 512)) % 512) + 1024));
  sink.end();
  await ended;
  return Buffer.concat(chunks);
}

describe('readLayer', () => {
  for (const compression of ['gzip', 'zstd', 'none'] as LayerCompression[]) {
    it(`reads a ${compression} layer: paths, types, sizes, modes, owners, links and contents`, async () => {
      const tar = tarArchive({
        'etc/motd': 'hello\n',
        'usr/bin/tool': { type: 'file', content: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 50 },
        'usr/bin/alias': { type: 'symlink', target: '/usr/bin/tool' },
        'usr/bin/again': { type: 'hardlink', target: 'usr/bin/tool' },
        'var/empty': { type: 'dir', mode: 0o700 },
      });
      const { entries, issues } = await collect(compressLayer(tar, compression));
      assert.deepEqual(issues, []);
      assert.deepEqual(entries, [
        { path: 'etc', type: 'directory', sizeBytes: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: undefined },
        { path: 'etc/motd', type: 'file', sizeBytes: 6, mode: 0o644, uid: 0, gid: 0, linkTarget: undefined, text: 'hello\n' },
        { path: 'usr', type: 'directory', sizeBytes: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: undefined },
        { path: 'usr/bin', type: 'directory', sizeBytes: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: undefined },
        { path: 'usr/bin/again', type: 'hardlink', sizeBytes: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: 'usr/bin/tool' },
        { path: 'usr/bin/alias', type: 'symlink', sizeBytes: 0, mode: 0o777, uid: 0, gid: 0, linkTarget: '/usr/bin/tool' },
        { path: 'usr/bin/tool', type: 'file', sizeBytes: 10, mode: 0o4755, uid: 1000, gid: 50, linkTarget: undefined, text: '#!/bin/sh\n' },
        { path: 'var', type: 'directory', sizeBytes: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: undefined },
        { path: 'var/empty', type: 'directory', sizeBytes: 0, mode: 0o700, uid: 0, gid: 0, linkTarget: undefined },
      ]);
    });
  }

  it('applies PAX and GNU long names and long link targets', async () => {
    const longPath = `opt/${'very-long-directory-name/'.repeat(12)}file.txt`;
    const gnuName = `srv/${'g'.repeat(180)}`;
    const tar = Buffer.concat([
      tarEntries([{ name: longPath, type: '0', body: Buffer.from('pax') }, { name: 'link', type: '2', linkName: `/${'t'.repeat(150)}` }], { isEnded: false }),
      tarEntries([{ name: '././@LongLink', type: 'L', body: Buffer.from(`${gnuName}\0`) }, { name: gnuName.slice(0, 99), type: '0', body: Buffer.from('gnu') }]),
    ]);
    const { entries } = await collect(tar);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.text ?? e.linkTarget]),
      [
        [longPath, 'file', 'pax'],
        ['link', 'symlink', `/${'t'.repeat(150)}`],
        [gnuName, 'file', 'gnu'],
      ],
    );
  });

  it('strips a leading / and reports it; skips and reports entries and hardlinks that climb out of the root', async () => {
    const tar = tarEntries([
      { name: '/etc/shadow', type: '0', body: Buffer.from('x') },
      { name: '../../etc/passwd', type: '0', body: Buffer.from('root::0:0::/:/bin/sh\n') },
      { name: 'a/../../b', type: '0', body: Buffer.from('y') },
      { name: 'evil-link', type: '1', linkName: '../../etc/passwd' },
      { name: './', type: '5' },
      { name: './ok/../fine', type: '0', body: Buffer.from('z') },
    ]);
    const { entries, issues } = await collect(tar);
    assert.deepEqual(entries.map((e) => [e.path, e.text]), [['etc/shadow', 'x'], ['fine', 'z']]);
    assert.deepEqual(
      issues.map((i) => [i.kind, i.path]),
      [
        ['absolute-path', '/etc/shadow'],
        ['path-escape', '../../etc/passwd'],
        ['path-escape', 'a/../../b'],
        ['link-escape', 'evil-link'],
      ],
    );
  });

  it('skips content the consumer does not read and still parses what follows', async () => {
    const tar = tarArchive({ 'a/big': Buffer.alloc(300_000, 7), 'b/small': 'after' });
    const seen: string[] = [];
    for await (const e of readLayer(Readable.from([gzipSync(tar)]))) {
      seen.push(e.path);
      if (e.path === 'b/small') assert.equal((await e.read()).toString(), 'after');
    }
    assert.deepEqual(seen, ['a', 'a/big', 'b', 'b/small']);
  });

  it('refuses to read an entry into memory past maxEntryReadBytes', async () => {
    const tar = tarArchive({ big: Buffer.alloc(10_000, 1) });
    const err = await rejection(collect(tar, { limits: { maxEntryReadBytes: 4096 } }));
    assert.ok(isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'), String(err));
  });

  for (const compression of ['gzip', 'zstd'] as const) {
    it(`stops a ${compression} bomb at maxUncompressedBytes`, async () => {
      const bomb = await zeroLayer(64 * 1024 * 1024, compression);
      assert.ok(bomb.length < 4 * 1024 * 1024, `the bomb compresses well (${bomb.length} bytes)`);
      const err = await rejection(collect(bomb, { limits: { maxUncompressedBytes: 8 * 1024 * 1024 } }, false));
      assert.ok(isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'), String(err));
      assert.equal((err as { detail?: { limit?: string } }).detail?.limit, 'maxUncompressedBytes');
    });

    it(`streams a large ${compression} file with bounded memory`, async () => {
      const sizeBytes = 768 * 1024 * 1024;
      const layer = await zeroLayer(sizeBytes, compression);
      // Resident memory: zlib and fzstd buffers are outside the JS heap, and what a server operator sees.
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      let read = 0;
      for await (const e of readLayer(Readable.from([layer]))) {
        for await (const chunk of e.content()) {
          read += chunk.length;
          peak = Math.max(peak, process.memoryUsage.rss());
        }
      }
      assert.equal(read, sizeBytes);
      assert.ok(peak - baseline < 256 * 1024 * 1024, `resident memory grew by ${Math.round((peak - baseline) / 1024 / 1024)} MiB`);
    });
  }

  it('refuses a zstd frame asking for a window larger than allowed, before allocating it', async () => {
    // Magic, a descriptor without single-segment, a window descriptor for 2 GiB, then a raw last block.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0x00, 0x00]);
    const err = await rejection(collect(frame));
    assert.ok(isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'), String(err));
    assert.equal((err as { detail?: { limit?: string } }).detail?.limit, 'maxZstdWindowBytes');
  });

  it('stops at maxEntries', async () => {
    const files = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f${i}`, '']));
    const err = await rejection(collect(gzipSync(tarArchive(files)), { limits: { maxEntries: 1000 } }, false));
    assert.ok(isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'), String(err));
    assert.equal((err as { detail?: { limit?: string } }).detail?.limit, 'maxEntries');
  });

  it('stops at a name longer than maxPathBytes', async () => {
    const err = await rejection(collect(tarEntries([{ name: `x/${'n'.repeat(5000)}`, type: '0' }])));
    assert.ok(isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'), String(err));
    assert.equal((err as { detail?: { limit?: string } }).detail?.limit, 'maxPathBytes');
  });

  it('reports corrupt and unsupported data as IMAGE_INVALID', async () => {
    const tar = tarArchive({ 'etc/motd': 'hello'.repeat(1000) });
    const gz = gzipSync(tar);
    const zst = compressLayer(tar, 'zstd');
    const cases: Array<[string, Buffer]> = [
      ['truncated gzip', gz.subarray(0, gz.length - 20)],
      ['truncated zstd', zst.subarray(0, zst.length - 10)],
      ['not a tar', Buffer.from('just some text that is certainly not a tar archive'.repeat(20))],
      ['truncated tar', tar.subarray(0, 700)],
      ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])],
    ];
    for (const [what, bytes] of cases) {
      const err = await rejection(collect(bytes));
      assert.ok(isBerthError(err, 'IMAGE_INVALID'), `${what}: ${String(err)}`);
    }
  });

  it('reads concatenated zstd frames with a skippable frame between them', async () => {
    const first = compressLayer(tarEntries([{ name: 'one', type: '0', body: Buffer.from('1') }], { isEnded: false }), 'zstd');
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const second = compressLayer(tarEntries([{ name: 'two', type: '0', body: Buffer.from('2') }]), 'zstd');
    const { entries } = await collect(Buffer.concat([first, skippable, second]));
    assert.deepEqual(entries.map((e) => [e.path, e.text]), [['one', '1'], ['two', '2']]);
  });
});
