import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { MediaType } from '../../src/oci/media-types.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { sha256Digest, testImage, testIndex, type BuiltImage, type BuiltIndex } from '../helpers/test-image.ts';
import { assertLayoutHoldsBlobs, layoutBlob, layoutRef } from './oci-layout.ts';
import { describeEachRegistry } from './registry-targets.ts';
import { blobStatus, fetchManifest } from './registry-http.ts';

const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
const ZSTD_MAGIC = 0xfd2fb528;

interface ManifestJson {
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
}

// skopeo against both registries: multi-arch indexes (--all), Docker schema 2 (--format v2s2), zstd layers.
describeEachRegistry('skopeo multi-arch and Docker schema 2', (registry) => {
  let sandbox: ContainersSandbox;
  let work: string;
  let index: BuiltIndex;
  let image: BuiltImage;

  before(async () => {
    assertToolsInstalled('skopeo');
    sandbox = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-formats-'));
    index = await testIndex()
      .image(testImage().platform({ os: 'linux', architecture: 'amd64' }).layer({ 'etc/arch': 'amd64\n' }).config({ Labels: { arch: 'amd64' } }))
      .image(testImage().platform({ os: 'linux', architecture: 'arm64', variant: 'v8' }).layer({ 'etc/arch': 'arm64\n' }).config({ Labels: { arch: 'arm64' } }))
      .build(join(work, 'multi'), 'v1');
    image = await testImage().layer({ 'etc/motd': 'docker schema 2\n' }).layer({ 'opt/app/run.sh': '#!/bin/sh\n' }).config({ Env: ['FORMAT=v2s2'] }).build(join(work, 'single'), 'v1');
  });
  after(async () => {
    await sandbox?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('copies a multi-arch index with --all: the index and both platform images are served as built', async () => {
    const { host, url } = registry();
    await sandbox.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${index.dir}:v1`, `docker://${host}/interop/multi:v1`]);
    const served = await fetchManifest(url, 'interop/multi', 'v1');
    assert.equal(served.status, 200);
    assert.equal(served.contentType, MediaType.OciIndex);
    assert.equal(served.digest, index.index.digest);
    assert.deepEqual(served.bytes, index.index.bytes);
    for (const platform of index.images) {
      const child = await fetchManifest(url, 'interop/multi', platform.manifest.digest);
      assert.equal(child.status, 200, `${platform.platform.architecture} manifest`);
      assert.deepEqual(child.bytes, platform.manifest.bytes);
      for (const layer of platform.layers) assert.equal(await blobStatus(url, 'interop/multi', layer.digest), 200);
    }
  });

  it('inspect --raw prints the index; --override-arch selects one platform image', async () => {
    const ref = `docker://${registry().host}/interop/multi:v1`;
    assert.equal((await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', ref])).stdout, index.index.bytes.toString('utf8'));
    const arm = index.images.find((i) => i.platform.architecture === 'arm64')!;
    const info = JSON.parse((await sandbox.skopeo(['--override-arch', 'arm64', '--override-variant', 'v8', 'inspect', '--tls-verify=false', ref])).stdout) as Record<string, unknown>;
    // skopeo reports the digest of what the reference names (the index), and the chosen image's config.
    assert.equal(info.Digest, index.index.digest);
    assert.equal(info.Architecture, 'arm64');
    assert.deepEqual(info.Layers, arm.layers.map((l) => l.digest));
    assert.deepEqual(info.Labels, { arch: 'arm64' });
  });

  it('pulls the index back whole with --all, every blob byte for byte', async () => {
    const out = join(work, 'multi-pulled');
    await sandbox.skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${registry().host}/interop/multi:v1`, `oci:${out}:pulled`]);
    assert.equal((await layoutRef(out, 'pulled')).digest, index.index.digest);
    assert.deepEqual(await layoutBlob(out, index.index.digest), index.index.bytes);
    for (const platform of index.images) await assertLayoutHoldsBlobs(out, platform);
  });

  it('pulls one platform out of the index without --all', async () => {
    const out = join(work, 'multi-arm');
    const arm = index.images.find((i) => i.platform.architecture === 'arm64')!;
    await sandbox.skopeo(['--override-arch', 'arm64', '--override-variant', 'v8', 'copy', '--src-tls-verify=false', `docker://${registry().host}/interop/multi:v1`, `oci:${out}:arm`]);
    assert.equal((await layoutRef(out, 'arm')).digest, arm.manifest.digest);
    await assertLayoutHoldsBlobs(out, arm);
  });

  it('pushes with --format v2s2: a Docker schema 2 manifest over the same config and layer blobs', async () => {
    const { host, url } = registry();
    await sandbox.skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/interop/docker:v1`]);
    const served = await fetchManifest(url, 'interop/docker', 'v1', `${MediaType.DockerManifest}, ${MediaType.OciManifest}`);
    assert.equal(served.status, 200);
    assert.equal(served.contentType, MediaType.DockerManifest);
    assert.equal(served.digest, sha256Digest(served.bytes));
    const manifest = JSON.parse(served.bytes.toString('utf8')) as ManifestJson;
    assert.equal(manifest.mediaType, MediaType.DockerManifest);
    assert.deepEqual(manifest.config, { mediaType: DOCKER_CONFIG, digest: image.config.digest, size: image.config.size });
    assert.deepEqual(
      manifest.layers,
      image.layers.map((l) => ({ mediaType: DOCKER_LAYER_GZIP, digest: l.digest, size: l.size })),
    );
    const raw = await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/interop/docker:v1`]);
    assert.equal(raw.stdout, served.bytes.toString('utf8'));
  });

  it('pulls the schema 2 image back unchanged (dir: keeps the manifest bytes)', async () => {
    const { host, url } = registry();
    const served = await fetchManifest(url, 'interop/docker', 'v1', MediaType.DockerManifest);
    const out = join(work, 'docker-dir');
    await sandbox.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/interop/docker@${served.digest}`, `dir:${out}`]);
    assert.deepEqual(await readFile(join(out, 'manifest.json')), served.bytes);
    assert.deepEqual(await readFile(join(out, image.config.digest.slice('sha256:'.length))), image.config.bytes);
    for (const layer of image.layers) assert.deepEqual(await readFile(join(out, layer.digest.slice('sha256:'.length))), layer.bytes);
  });

  it('pushes zstd-compressed layers (--dest-compress-format zstd) and pulls the same bytes back', async () => {
    const { host, url } = registry();
    await sandbox.skopeo(['copy', '--dest-compress-format', 'zstd', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/interop/zstd:v1`]);
    const served = await fetchManifest(url, 'interop/zstd', 'v1');
    assert.equal(served.contentType, MediaType.OciManifest);
    const manifest = JSON.parse(served.bytes.toString('utf8')) as ManifestJson;
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), image.layers.map(() => OCI_LAYER_ZSTD));
    assert.equal(manifest.config.digest, image.config.digest);
    const out = join(work, 'zstd-pulled');
    await sandbox.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/interop/zstd:v1`, `oci:${out}:zstd`]);
    assert.equal((await layoutRef(out, 'zstd')).digest, served.digest);
    for (const layer of manifest.layers) {
      const bytes = await layoutBlob(out, layer.digest);
      assert.equal(sha256Digest(bytes), layer.digest);
      assert.equal(bytes.readUInt32LE(0), ZSTD_MAGIC, 'a zstd frame');
    }
  });
});
