import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.ts';
import { testImage, testIndex, type BuiltIndex } from '../helpers/test-image.ts';
import { blobStatus, fetchManifest } from './registry-http.ts';

// Registry to registry with skopeo: what Distribution serves, Berth takes unchanged, and back again.
describe('skopeo copies between Berth and Distribution', () => {
  let berth: TestBerth;
  let distribution: ReferenceRegistry;
  let tools: ContainersSandbox;
  let work: string;
  let index: BuiltIndex;

  before(async () => {
    assertToolsInstalled('skopeo');
    // One by one, so that after() stops whatever did start when a later step fails.
    berth = await startTestBerth({}, { open: true });
    distribution = await startReferenceRegistry();
    tools = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-cross-'));
    index = await testIndex()
      .image(testImage().platform({ os: 'linux', architecture: 'amd64' }).layer({ 'etc/os': 'amd64\n' }).layer({ 'app/bin': 'shared layer\n' }))
      .image(testImage().platform({ os: 'linux', architecture: 'arm64', variant: 'v8' }).layer({ 'etc/os': 'arm64\n' }).layer({ 'app/bin': 'shared layer\n' }))
      .build(join(work, 'multi'), 'v1');
  });
  after(async () => {
    await tools?.dispose();
    await berth?.stop();
    await distribution?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function assertHoldsIndex(url: string, repo: string): Promise<void> {
    const served = await fetchManifest(url, repo, 'v1');
    assert.equal(served.digest, index.index.digest);
    assert.deepEqual(served.bytes, index.index.bytes);
    for (const image of index.images) {
      assert.deepEqual((await fetchManifest(url, repo, image.manifest.digest)).bytes, image.manifest.bytes);
      for (const blob of [image.config, ...image.layers]) assert.equal(await blobStatus(url, repo, blob.digest), 200, `${repo} ${blob.digest}`);
    }
  }

  it('Distribution -> Berth -> Distribution keeps the index and every image digest', async () => {
    const dist = new URL(distribution.url).host;
    const own = new URL(berth.url).host;
    const insecure = ['--src-tls-verify=false', '--dest-tls-verify=false'];
    await tools.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${index.dir}:v1`, `docker://${dist}/cross/origin:v1`]);
    await tools.skopeo(['copy', '--all', ...insecure, `docker://${dist}/cross/origin:v1`, `docker://${own}/cross/copied:v1`]);
    await assertHoldsIndex(berth.url, 'cross/copied');
    await tools.skopeo(['copy', '--all', ...insecure, `docker://${own}/cross/copied@${index.index.digest}`, `docker://${dist}/cross/returned:v1`]);
    await assertHoldsIndex(distribution.url, 'cross/returned');
  });
});
