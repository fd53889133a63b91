import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../../test/helpers/containers-tools.ts';
import { tarEntries, type BuiltImage, type RawTarEntry } from '../../test/helpers/test-image.ts';
import { dockerArchiveSource } from './docker-archive.source.ts';
import { resolveImages } from './image-resolve.ts';
import { assertSampleRead, readImages, sampleImage } from './source-test-kit.ts';

const hex = (digest: string): string => digest.slice('sha256:'.length);
const file = (name: string, body: Buffer | string): RawTarEntry => ({ name, type: '0', body: Buffer.from(body) });

/** The classic `docker save` layout: `<id>/layer.tar`, `<hex>.json`, manifest.json, repositories. */
function classicArchive(images: Array<{ built: BuiltImage; tags: string[] }>): Buffer {
  const entries: RawTarEntry[] = [];
  const manifest = images.map(({ built, tags }) => {
    const layers = built.layers.map((layer, i) => {
      const id = hex(layer.diffId).slice(0, 12) + String(i).padStart(52, '0');
      entries.push({ name: `${id}/`, type: '5' }, file(`${id}/VERSION`, '1.0'), file(`${id}/layer.tar`, layer.bytes));
      return `${id}/layer.tar`;
    });
    entries.push(file(`${hex(built.config.digest)}.json`, built.config.bytes));
    return { Config: `${hex(built.config.digest)}.json`, RepoTags: tags, Layers: layers };
  });
  entries.push(file('manifest.json', JSON.stringify(manifest)), file('repositories', '{}'));
  return tarEntries(entries);
}

/** Docker 25+'s `docker save`: an OCI layout (index.json naming the image) plus the classic manifest.json. */
async function ociArchive(built: BuiltImage, name: string): Promise<Buffer> {
  const entries: RawTarEntry[] = [];
  for (const path of (await readdir(join(built.dir, 'blobs', 'sha256'))).sort()) {
    entries.push(file(`blobs/sha256/${path}`, await readFile(join(built.dir, 'blobs', 'sha256', path))));
  }
  const annotations = { 'io.containerd.image.name': `docker.io/library/${name}`, 'org.opencontainers.image.ref.name': name.split(':')[1]! };
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: built.manifest.mediaType, digest: built.manifest.digest, size: built.manifest.size, annotations }] };
  const legacy = [{ Config: `blobs/sha256/${hex(built.config.digest)}`, RepoTags: [name], Layers: built.layers.map((l) => `blobs/sha256/${hex(l.digest)}`) }];
  entries.push(file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), file('index.json', JSON.stringify(index)), file('manifest.json', JSON.stringify(legacy)));
  return tarEntries(entries);
}

describe('docker save archive source', () => {
  let dir: string;
  let sandbox: ContainersSandbox;
  before(async () => {
    assertToolsInstalled('skopeo', 'unshare');
    dir = await mkdtemp(join(tmpdir(), 'berth-docker-archive-'));
    sandbox = await createContainersSandbox();
  });
  after(async () => {
    await sandbox?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a classic archive (manifest.json, <id>/layer.tar) in place, by tag or as its only image', async () => {
    const built = await sampleImage(['none', 'none', 'none']).build(join(dir, 'classic-src'), 'v1');
    const path = join(dir, 'classic.tar');
    await writeFile(path, classicArchive([{ built, tags: ['app:1'] }]));
    for (const tag of ['app:1', 'docker.io/library/app:1', undefined]) {
      const [read, ...rest] = await readImages(await dockerArchiveSource(path, tag));
      assert.equal(rest.length, 0);
      assertSampleRead(read!);
      // Uncompressed layers: digests are the config's diff_ids, sizes the tar entries'.
      assert.deepEqual(read!.image.layers.map((l) => [l.digest, l.sizeBytes, l.compression]), built.layers.map((l) => [l.diffId, l.bytes.length, 'none']));
      assert.equal(read!.image.config.digest, built.config.digest);
    }
    const again = await resolveImages(await dockerArchiveSource(path));
    const once = await resolveImages(await dockerArchiveSource(path, 'app:1'));
    assert.equal(again[0]!.manifest.digest, once[0]!.manifest.digest, 'the made manifest is deterministic');
  });

  it('picks among several images by tag, and names the tags otherwise', async () => {
    const one = await sampleImage(['none', 'none', 'none']).build(join(dir, 'one'), 'v1');
    const two = await sampleImage(['none', 'none', 'none']).config({ User: 'other' }).build(join(dir, 'two'), 'v1');
    const path = join(dir, 'two-images.tar');
    await writeFile(path, classicArchive([{ built: one, tags: ['app:1'] }, { built: two, tags: ['app:2', 'app:latest'] }]));
    const [picked] = await resolveImages(await dockerArchiveSource(path, 'app'));
    assert.equal(picked!.config.digest, two.config.digest);
    await assert.rejects(resolveImages(await dockerArchiveSource(path)), (err) => isBerthError(err, 'MANIFEST_UNKNOWN') && /app:1, app:2, app:latest/.test(err.message));
    await assert.rejects(resolveImages(await dockerArchiveSource(path, 'app:3')), (err) => isBerthError(err, 'MANIFEST_UNKNOWN'));
  });

  it('reads a Docker 25+ archive through its OCI layout, with the real manifest digests', async () => {
    const built = await sampleImage().build(join(dir, 'oci-src'), 'v1');
    const path = join(dir, 'oci.tar');
    await writeFile(path, await ociArchive(built, 'web:2.1'));
    for (const tag of ['web:2.1', '2.1', undefined]) {
      const source = await dockerArchiveSource(path, tag);
      assert.match(source.description, /^docker-archive:/);
      const [read] = await readImages(source);
      assertSampleRead(read!, built);
    }
  });

  it('reads what skopeo writes as docker-archive', async () => {
    const built = await sampleImage(['gzip', 'gzip', 'none']).build(join(dir, 'skopeo-src'), 'v1');
    const path = join(dir, 'skopeo.tar');
    await sandbox.skopeo(['copy', `oci:${built.dir}:v1`, `docker-archive:${path}:example.com/team/app:v1`]);
    const [read] = await readImages(await dockerArchiveSource(path, 'example.com/team/app:v1'));
    assertSampleRead(read!);
    assert.deepEqual(read!.image.layers.map((l) => l.digest), built.layers.map((l) => l.diffId));
  });

  it('refuses a file that is no docker archive, and a corrupt tar', async () => {
    const notArchive = join(dir, 'plain.tar');
    await writeFile(notArchive, tarEntries([file('hello.txt', 'hi')]));
    await assert.rejects(dockerArchiveSource(notArchive), (err) => isBerthError(err, 'IMAGE_INVALID') && /neither manifest.json nor an OCI layout/.test(err.message));
    const corrupt = join(dir, 'corrupt.tar');
    const bytes = tarEntries([file('manifest.json', '[]')]);
    bytes[10] = bytes[10]! ^ 0xff;
    await writeFile(corrupt, bytes);
    await assert.rejects(dockerArchiveSource(corrupt), (err) => isBerthError(err, 'IMAGE_INVALID') && /checksum/.test(err.message));
    const truncated = join(dir, 'truncated.tar');
    await writeFile(truncated, tarEntries([file('manifest.json', 'x'.repeat(5000))]).subarray(0, 2048));
    await assert.rejects(dockerArchiveSource(truncated), (err) => isBerthError(err, 'IMAGE_INVALID') && /past the end/.test(err.message));
  });
});
