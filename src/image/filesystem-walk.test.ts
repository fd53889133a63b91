import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { compressLayer, OPAQUE_WHITEOUT, tarArchive, tarEntries, whiteout, type LayerCompression, type LayerFiles } from '../../test/helpers/test-image.ts';
import { walkLayers, type WalkLayer, type WalkOptions } from './filesystem-walk.ts';

function layer(files: LayerFiles | Buffer, compression: LayerCompression = 'gzip'): WalkLayer {
  const tar = Buffer.isBuffer(files) ? files : tarArchive(files);
  const bytes = compressLayer(tar, compression);
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, open: async () => Readable.from([bytes]) };
}

function changes(result: Awaited<ReturnType<typeof walkLayers>>, index: number): Array<[string, string, number]> {
  return result.layers[index]!.changes.filter((c) => c.type !== 'directory').map((c) => [c.kind, c.path, c.sizeBytes]);
}

function finalFiles(result: Awaited<ReturnType<typeof walkLayers>>): Array<[string, number, number]> {
  return [...result.files.entries()].filter((f) => f.type !== 'directory').map((f) => [f.path, f.layer, f.sizeBytes]);
}

async function walk(layers: WalkLayer[], opts?: WalkOptions): ReturnType<typeof walkLayers> {
  return walkLayers(layers, opts);
}

describe('walkLayers', () => {
  it('lists added, modified and deleted paths per layer and merges the final filesystem', async () => {
    const result = await walk([
      layer({ 'etc/motd': 'hello\n', 'etc/hosts': '127.0.0.1 localhost\n', 'tmp/build.log': 'x'.repeat(1000) }),
      layer({ 'etc/motd': 'welcome to berth\n', [whiteout('tmp/build.log')]: '', 'app/main.js': 'console.log(1)\n' }, 'zstd'),
      layer({ 'app/config.json': '{}' }, 'none'),
    ]);
    assert.deepEqual(changes(result, 0), [
      ['added', 'etc/hosts', 20],
      ['added', 'etc/motd', 6],
      ['added', 'tmp/build.log', 1000],
    ]);
    assert.deepEqual(changes(result, 1), [
      ['added', 'app/main.js', 15],
      ['modified', 'etc/motd', 17],
      ['deleted', 'tmp/build.log', 1000],
    ]);
    assert.deepEqual(changes(result, 2), [['added', 'app/config.json', 2]]);
    const modified = result.layers[1]!.changes.find((c) => c.kind === 'modified')!;
    assert.deepEqual([modified.previousLayer, modified.previousSizeBytes], [0, 6]);
    assert.equal(result.layers[1]!.hiddenBytes, 1006);
    assert.deepEqual(result.layers.map((l) => l.compression), ['gzip', 'zstd', 'none']);
    assert.deepEqual(result.layers.map((l) => l.fileBytes), [1026, 32, 2]);
    assert.deepEqual(finalFiles(result), [
      ['app/config.json', 2, 2],
      ['app/main.js', 1, 15],
      ['etc/hosts', 0, 20],
      ['etc/motd', 1, 17],
    ]);
    assert.deepEqual(result.files.get('etc/motd'), { path: 'etc/motd', layer: 1, type: 'file', sizeBytes: 17, mode: 0o644, uid: 0, gid: 0 });
    assert.equal(result.files.get('tmp/build.log'), undefined);
    assert.equal(result.files.get('tmp')?.type, 'directory');
  });

  it('a whiteout of a directory removes everything below it, counted once with its files and bytes', async () => {
    const result = await walk([
      layer({ 'var/lib/apt/lists/a': 'a'.repeat(100), 'var/lib/apt/lists/b': 'b'.repeat(50), 'var/lib/apt/lists/sub/c': 'c', 'var/keep': 'k' }),
      layer({ [whiteout('var/lib/apt/lists')]: '' }),
    ]);
    const deleted = result.layers[1]!.changes;
    assert.deepEqual(deleted, [{ path: 'var/lib/apt/lists', kind: 'deleted', type: 'directory', sizeBytes: 151, previousLayer: 0, fileCount: 3 }]);
    assert.deepEqual(finalFiles(result), [['var/keep', 0, 1]]);
    assert.equal(result.files.get('var/lib/apt/lists'), undefined);
    assert.equal(result.files.get('var/lib/apt')?.type, 'directory');
  });

  it('an opaque directory hides lower contents but keeps what its own layer writes, in any entry order', async () => {
    const lower = layer({ 'opt/app/old.txt': 'old', 'opt/app/lib/old.so': 'so', 'opt/other': 'o' });
    const markerFirst = layer({ [`opt/app/${OPAQUE_WHITEOUT}`]: '', 'opt/app/lib/new.so': 'new' });
    const markerLast = layer(
      tarEntries([
        { name: 'opt/app/', type: '5' },
        { name: 'opt/app/lib/', type: '5' },
        { name: 'opt/app/lib/new.so', type: '0', body: Buffer.from('new') },
        { name: `opt/app/${OPAQUE_WHITEOUT}`, type: '0' },
      ]),
    );
    for (const upper of [markerFirst, markerLast]) {
      const result = await walk([lower, upper]);
      assert.deepEqual(finalFiles(result), [
        ['opt/app/lib/new.so', 1, 3],
        ['opt/other', 0, 1],
      ]);
      // Removed subtrees are reported at their top (opt/app/lib whole when the marker comes first, its
      // old file alone when the layer's own lib/ was written before it); the bytes are the same.
      const deleted = result.layers[1]!.changes.filter((c) => c.kind === 'deleted');
      assert.deepEqual([deleted.reduce((n, c) => n + c.sizeBytes, 0), deleted.reduce((n, c) => n + (c.fileCount ?? 0), 0)], [5, 2]);
      assert.ok(deleted.some((c) => c.path === 'opt/app/old.txt'));
      assert.equal(result.layers[1]!.hiddenBytes, 5);
    }
  });

  it('a file replacing a directory removes the directory contents; a directory replacing a file is modified', async () => {
    const result = await walk([
      layer({ 'data/a': 'aaaa', 'data/b': 'bb', 'conf': 'file' }),
      layer({ data: 'now a file', 'conf/x': 'in a dir' }),
    ]);
    assert.deepEqual(finalFiles(result), [
      ['conf/x', 1, 8],
      ['data', 1, 10],
    ]);
    assert.equal(result.files.get('conf')?.type, 'directory');
    assert.equal(result.layers[1]!.hiddenBytes, 4 + 2 + 4);
  });

  it('gives the final content of wanted paths: a later version wins, a deletion drops it', async () => {
    const wanted = new Set(['var/lib/dpkg/status', 'app/package-lock.json', 'usr/lib/os-release', 'etc/gone', 'etc/secret']);
    const asked: string[] = [];
    const result = await walk(
      [
        layer({ 'var/lib/dpkg/status': 'Package: base\n', 'app/package-lock.json': '{"v":1}', 'etc/gone': 'bye', 'etc/secret': 'key', 'usr/lib/os-release': 'ID=debian\n', 'etc/os-release': { type: 'symlink', target: '../usr/lib/os-release' } }),
        layer({ 'var/lib/dpkg/status': 'Package: base\n\nPackage: curl\n', [whiteout('etc/gone')]: '' }, 'zstd'),
        layer({ [`etc/${OPAQUE_WHITEOUT}`]: '', 'etc/new': 'n' }),
      ],
      { wantContent: (path) => (asked.push(path), wanted.has(path)) },
    );
    assert.deepEqual(
      [...result.contents].map(([path, bytes]) => [path, bytes.toString()]),
      [
        ['app/package-lock.json', '{"v":1}'],
        ['usr/lib/os-release', 'ID=debian\n'],
        ['var/lib/dpkg/status', 'Package: base\n\nPackage: curl\n'],
      ],
    );
    assert.ok(asked.includes('etc/new') && !asked.includes('etc/os-release'), 'asked for files only');
    // The symlink was wiped by the opaque etc/, so it no longer resolves; the target path still does.
    assert.equal(result.files.resolve('etc/os-release'), undefined);
    assert.equal(result.files.resolve('usr/lib/os-release'), 'usr/lib/os-release');
  });

  it('follows symlinks in the final index, through parents and absolute targets', async () => {
    const result = await walk([
      layer({ 'usr/lib/os-release': 'ID=alpine', 'etc/os-release': { type: 'symlink', target: '../usr/lib/os-release' }, lib: { type: 'symlink', target: '/usr/lib' }, loop: { type: 'symlink', target: 'loop' } }),
    ]);
    assert.equal(result.files.resolve('etc/os-release'), 'usr/lib/os-release');
    assert.equal(result.files.resolve('lib/os-release'), 'usr/lib/os-release');
    assert.equal(result.files.resolve('loop'), undefined);
  });

  it('a hardlink to a captured file gets its content; a too-large wanted file is reported, never stale', async () => {
    const result = await walk(
      [
        layer({ 'bin/busybox': 'BB', 'bin/sh': { type: 'hardlink', target: 'bin/busybox' }, 'data/big': 'small first' }),
        layer({ 'data/big': 'x'.repeat(5000) }),
      ],
      { wantContent: () => true, maxContentBytes: 1000 },
    );
    assert.equal(result.contents.get('bin/sh')?.toString(), 'BB');
    assert.equal(result.contents.has('data/big'), false);
    assert.deepEqual(result.issues.map((i) => [i.kind, i.path, i.layer]), [['content-too-large', 'data/big', 1]]);
    assert.deepEqual(result.files.get('bin/sh'), { path: 'bin/sh', layer: 0, type: 'hardlink', sizeBytes: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: 'bin/busybox' });
  });

  it('hashes file contents when asked, so duplicates across layers show', async () => {
    const result = await walk([layer({ 'a/lib.so': 'same bytes' }), layer({ 'b/lib-copy.so': 'same bytes', 'c/other': 'other' })], { hashContent: true });
    const digest = `sha256:${createHash('sha256').update('same bytes').digest('hex')}`;
    assert.equal(result.files.get('a/lib.so')?.sha256, digest);
    assert.equal(result.files.get('b/lib-copy.so')?.sha256, digest);
    assert.notEqual(result.files.get('c/other')?.sha256, digest);
  });

  it('reports hostile entries with their layer and applies the limits to the image as a whole', async () => {
    const hostile = tarEntries([
      { name: '../../etc/passwd', type: '0', body: Buffer.from('root::0:0') },
      { name: '/etc/motd', type: '0', body: Buffer.from('abs') },
    ]);
    const result = await walk([layer({ 'etc/hosts': 'h' }), layer(hostile)]);
    assert.deepEqual(result.issues.map((i) => [i.kind, i.layer]), [['path-escape', 1], ['absolute-path', 1]]);
    assert.deepEqual(finalFiles(result), [['etc/hosts', 0, 1], ['etc/motd', 1, 3]]);

    const half = layer({ blob: Buffer.alloc(600 * 1024, 3) });
    await walk([half], { limits: { maxUncompressedBytes: 1024 * 1024 } });
    await assert.rejects(walk([half, half], { limits: { maxUncompressedBytes: 1024 * 1024 } }), (err) => isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'));
    const many = layer(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i}`, ''])));
    await assert.rejects(walk([many, many], { limits: { maxEntries: 1000 } }), (err) => isBerthError(err, 'IMAGE_LIMIT_EXCEEDED'));
  });
});
