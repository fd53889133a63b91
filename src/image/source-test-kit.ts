import assert from 'node:assert/strict';
import type { RegistryClient } from '../cli/registry-client.ts';
import { parseDigest } from '../oci/digest.ts';
import { testImage, whiteout, type BuiltImage, type LayerCompression } from '../../test/helpers/test-image.ts';
import { walkLayers, type WalkResult } from './filesystem-walk.ts';
import type { ImageSource } from './image-source.ts';
import { resolveImages, walkableLayers, type PlatformChoice, type ResolvedImage } from './image-resolve.ts';

/**
 * The image every source test reads: three layers (compression per layer as asked), a rewrite, a whiteout
 * and a package database, so each source is checked on the same filesystem result.
 */
export function sampleImage(compressions: LayerCompression[] = ['gzip', 'zstd', 'none']) {
  return testImage()
    .layer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n', 'var/lib/dpkg/status': 'Package: base-files\n', 'tmp/cache.bin': 'c'.repeat(4096) }, { compression: compressions[0] })
    .layer({ 'var/lib/dpkg/status': 'Package: base-files\n\nPackage: curl\n', [whiteout('tmp/cache.bin')]: '' }, { compression: compressions[1] })
    .layer({ 'app/server.js': 'listen(8080)\n' }, { compression: compressions[2] })
    .config({ User: 'app', Cmd: ['node', '/app/server.js'] });
}

const WANTED = new Set(['etc/os-release', 'var/lib/dpkg/status']);

/** Resolves the source and walks each image it yields, capturing the package database. */
export async function readImages(source: ImageSource, platform?: PlatformChoice): Promise<Array<{ image: ResolvedImage; walk: WalkResult }>> {
  const images = await resolveImages(source, platform ? { platform } : {});
  const out = [];
  for (const image of images) out.push({ image, walk: await walkLayers(walkableLayers(source, image), { wantContent: (p) => WANTED.has(p) }) });
  return out;
}

/** What reading `sampleImage()` must give, whatever the source. */
export function assertSampleRead(read: { image: ResolvedImage; walk: WalkResult }, built?: BuiltImage): void {
  const { image, walk } = read;
  if (built) {
    assert.equal(image.manifest.digest, built.manifest.digest);
    assert.equal(image.config.digest, built.config.digest);
    assert.deepEqual(image.layers.map((l) => [l.digest, l.sizeBytes]), built.layers.map((l) => [l.digest, l.size]));
  }
  assert.deepEqual(image.config.platform, { os: 'linux', architecture: 'amd64' });
  assert.deepEqual((image.config.json.config as { User?: string }).User, 'app');
  assert.equal(image.config.history.length, 3);
  assert.deepEqual(
    [...walk.files.entries()].filter((f) => f.type === 'file').map((f) => [f.path, f.layer, f.sizeBytes]),
    [
      ['app/server.js', 2, 13],
      ['etc/os-release', 0, 24],
      ['var/lib/dpkg/status', 1, 35],
    ],
  );
  assert.equal(walk.contents.get('var/lib/dpkg/status')?.toString(), 'Package: base-files\n\nPackage: curl\n');
  assert.equal(walk.contents.get('etc/os-release')?.toString(), 'ID=debian\nVERSION_ID=12\n');
  assert.deepEqual(walk.layers[1]!.changes.find((c) => c.kind === 'deleted'), { path: 'tmp/cache.bin', kind: 'deleted', type: 'file', sizeBytes: 4096, previousLayer: 0, fileCount: 1 });
}

/** Pushes a built image's blobs and manifest through the Distribution API, as any client would. */
export async function pushBuilt(client: RegistryClient, repo: string, image: BuiltImage, reference: string): Promise<void> {
  for (const blob of [image.config, ...image.layers]) {
    const location = await client.startUpload(repo);
    await client.uploadBlob(repo, location, parseDigest(blob.digest), new Blob([new Uint8Array(blob.bytes)]).stream(), blob.bytes.length);
  }
  await client.putManifest(repo, reference, image.manifest.bytes, image.manifest.mediaType);
}
