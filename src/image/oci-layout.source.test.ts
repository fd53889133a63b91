import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { compressLayer, tarArchive, testImage, testIndex } from '../../test/helpers/test-image.ts';
import { walkLayers } from './filesystem-walk.ts';
import { resolveImages, walkableLayers } from './image-resolve.ts';
import { blobPath, ociLayoutSource } from './oci-layout.source.ts';
import { assertSampleRead, readImages, sampleImage } from './source-test-kit.ts';

describe('OCI layout source', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-oci-source-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an image by tag and as the only image: manifest, config, layers (gzip, zstd, plain) and files', async () => {
    const built = await sampleImage().build(join(dir, 'single'), 'v1');
    for (const source of [ociLayoutSource(built.dir, 'v1'), ociLayoutSource(built.dir)]) {
      const [read, ...rest] = await readImages(source);
      assert.equal(rest.length, 0);
      assertSampleRead(read!, built);
      assert.deepEqual(read!.image.layers.map((l) => l.compression), ['gzip', 'zstd', 'none']);
    }
  });

  it('picks an image among several by tag; without a tag, or with an unknown one, says which tags there are', async () => {
    const layout = join(dir, 'multi-tag');
    const a = await testImage().layer({ which: 'a' }).build(layout, 'a');
    const b = await testImage().layer({ which: 'b' }).writeBlobs(layout);
    const entry = (m: typeof a.manifest, tag: string) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, annotations: { 'org.opencontainers.image.ref.name': tag } });
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry(a.manifest, 'a'), entry(b.manifest, 'b')] }));
    const [picked] = await resolveImages(ociLayoutSource(layout, 'b'));
    assert.equal(picked!.manifest.digest, b.manifest.digest);
    await assert.rejects(resolveImages(ociLayoutSource(layout)), (err) => isBerthError(err, 'MANIFEST_UNKNOWN') && /2 images.*tags: a, b/.test(err.message));
    await assert.rejects(resolveImages(ociLayoutSource(layout, 'c')), (err) => isBerthError(err, 'MANIFEST_UNKNOWN') && /no image tagged c/.test(err.message));
  });

  it('selects a platform from an index: linux/amd64 by default, another on request, or all of them', async () => {
    const index = await testIndex()
      .image(testImage().platform({ os: 'linux', architecture: 'amd64' }).layer({ arch: 'amd64' }))
      .image(testImage().platform({ os: 'linux', architecture: 'arm64', variant: 'v8' }).layer({ arch: 'arm64' }))
      .build(join(dir, 'index'), 'multi');
    const source = ociLayoutSource(index.dir, 'multi');
    const archOf = async (platform?: Parameters<typeof readImages>[1]) => (await readImages(source, platform)).map((r) => r.walk.files.get('arch')?.sizeBytes && r.image.platform?.architecture);
    assert.deepEqual(await archOf(), ['amd64']);
    assert.deepEqual(await archOf({ os: 'linux', architecture: 'arm64' }), ['arm64']);
    assert.deepEqual(await archOf('all'), ['amd64', 'arm64']);
    const [first] = await resolveImages(source);
    assert.equal(first!.index?.digest, index.index.digest);
    await assert.rejects(resolveImages(source, { platform: { os: 'linux', architecture: 's390x' } }), (err) => isBerthError(err, 'MANIFEST_UNKNOWN') && /has: linux\/amd64, linux\/arm64\/v8/.test(err.message));
  });

  it('fails a layer whose bytes do not match its digest with DIGEST_INVALID', async () => {
    const built = await testImage().layer({ 'etc/motd': 'genuine' }).build(join(dir, 'tampered'), 'v1');
    await writeFile(join(built.dir, blobPath(built.layers[0]!.digest as never)), compressLayer(tarArchive({ 'etc/motd': 'forged!' }), 'gzip'));
    const [image] = await resolveImages(ociLayoutSource(built.dir));
    await assert.rejects(walkLayers(walkableLayers(ociLayoutSource(built.dir), image!)), (err) => isBerthError(err, 'DIGEST_INVALID'));
  });

  it('refuses a tampered manifest, a missing blob, a directory that is no layout and an artifact that is no image', async () => {
    const built = await testImage().layer({ a: 'a' }).build(join(dir, 'broken'), 'v1');
    const manifestFile = join(built.dir, blobPath(built.manifest.digest as never));
    const original = await readFile(manifestFile);
    await writeFile(manifestFile, Buffer.concat([original, Buffer.from(' ')]));
    await assert.rejects(resolveImages(ociLayoutSource(built.dir)), (err) => isBerthError(err, 'DIGEST_INVALID'));
    await writeFile(manifestFile, original);
    await rm(join(built.dir, blobPath(built.config.digest as never)));
    await assert.rejects(resolveImages(ociLayoutSource(built.dir)), (err) => isBerthError(err, 'BLOB_UNKNOWN'));
    await assert.rejects(resolveImages(ociLayoutSource(join(dir, 'nothing-here'))), (err) => isBerthError(err, 'MANIFEST_UNKNOWN') && /no index.json/.test(err.message));

    const artifact = join(dir, 'artifact');
    const img = await testImage().layer({ a: 'a' }).build(artifact, 'sig');
    const manifest = JSON.parse(img.manifest.bytes.toString()) as { config: { mediaType: string } };
    manifest.config.mediaType = 'application/vnd.dev.cosign.artifact.sig.v1+json';
    const bytes = Buffer.from(JSON.stringify(manifest));
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(join(artifact, blobPath(digest as never)), bytes);
    await writeFile(join(artifact, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: bytes.length }] }));
    await assert.rejects(resolveImages(ociLayoutSource(artifact)), (err) => isBerthError(err, 'IMAGE_INVALID') && /not a container image/.test(err.message));
  });
});
