import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../cli/registry-client.ts';
import { CliError } from '../cli/cli-error.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { parseImageRef } from '../oci/image-ref.ts';
import { startTestBerth, type TestBerth } from '../../test/helpers/berth-server.ts';
import { testImage, testIndex } from '../../test/helpers/test-image.ts';
import { RegistrySource } from './registry.source.ts';
import { assertSampleRead, pushBuilt, readImages, sampleImage } from './source-test-kit.ts';

describe('registry source', () => {
  let berth: TestBerth;
  let client: RegistryClient;
  let dir: string;
  let host: string;
  before(async () => {
    berth = await startTestBerth({}, { open: true });
    host = new URL(berth.url).host;
    client = new RegistryClient({ host, baseUrl: berth.url }, undefined);
    dir = await mkdtemp(join(tmpdir(), 'berth-registry-source-'));
  });
  after(async () => {
    await berth?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an image from a running Berth by tag and by digest', async () => {
    const built = await sampleImage().build(join(dir, 'sample'), 'v1');
    await pushBuilt(client, 'team/app', built, 'v1');
    for (const ref of [`${host}/team/app:v1`, `${host}/team/app@${built.manifest.digest}`]) {
      const source = new RegistrySource(client, parseImageRef(ref));
      assert.equal(source.description, ref);
      const [read] = await readImages(source);
      assertSampleRead(read!, built);
    }
  });

  it('selects platforms from a pushed index', async () => {
    const index = await testIndex()
      .image(testImage().platform({ os: 'linux', architecture: 'amd64' }).layer({ arch: 'amd64' }))
      .image(testImage().platform({ os: 'linux', architecture: 'arm64', variant: 'v8' }).layer({ arch: 'arm64-v8' }))
      .build(join(dir, 'index'), 'multi');
    for (const image of index.images) await pushBuilt(client, 'team/multi', image, image.manifest.digest);
    await client.putManifest('team/multi', 'v2', index.index.bytes, index.index.mediaType);
    const source = new RegistrySource(client, parseImageRef(`${host}/team/multi:v2`));
    const sizes = async (platform?: Parameters<typeof readImages>[1]) => (await readImages(source, platform)).map((r) => r.walk.files.get('arch')?.sizeBytes);
    assert.deepEqual(await sizes(), [5]);
    assert.deepEqual(await sizes({ os: 'linux', architecture: 'arm64', variant: 'v8' }), [8]);
    assert.deepEqual(await sizes('all'), [5, 8]);
  });

  it('passes the registry answer through for an unknown tag', async () => {
    const source = new RegistrySource(client, parseImageRef(`${host}/team/app:nope`));
    await assert.rejects(source.resolve(), (err) => err instanceof CliError && err.exitCode === EXIT.NOT_FOUND && /MANIFEST_UNKNOWN/.test(err.message));
  });
});
