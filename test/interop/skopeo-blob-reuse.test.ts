import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';
import { describeEachRegistry } from './registry-targets.ts';
import { blobStatus, fetchManifest } from './registry-http.ts';

const HOST_BLOB_CACHE = '/var/lib/containers/cache/blob-info-cache-v1.boltdb';

/** `PUT .../v2/<repo>/blobs/uploads/...digest=<digest>` lines of `skopeo --debug`: blobs really uploaded. */
function uploadedDigests(debug: string, repo: string): string[] {
  const re = new RegExp(`PUT http://[^ ]+/v2/${repo}/blobs/uploads/[^ "]*digest=sha256%3A([0-9a-f]{64})`, 'g');
  return [...debug.matchAll(re)].map((m) => `sha256:${m[1]}`);
}

function mountAttempt(repo: string, from: string, digest: string): string {
  return `Trying to mount /v2/${repo}/blobs/uploads/?from=${encodeURIComponent(from)}&mount=${encodeURIComponent(digest)}`;
}

// How skopeo reuses blobs, against both registries: the blob-info cache isolation the suite relies on, and
// cross-repository mounts when the client does know where a blob lives.
describeEachRegistry('skopeo blob reuse', (registry) => {
  let work: string;
  let image: BuiltImage;
  const sandboxes: ContainersSandbox[] = [];

  before(async () => {
    assertToolsInstalled('skopeo');
    work = await mkdtemp(join(tmpdir(), 'interop-reuse-'));
    image = await testImage().layer({ 'etc/motd': 'reuse me\n' }).layer({ 'srv/www/index.html': '<h1>hi</h1>\n' }).build(join(work, 'source'), 'v1');
  });
  after(async () => {
    for (const sandbox of sandboxes) await sandbox.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function sandbox(opts: { shareBlobCache?: boolean } = {}): Promise<ContainersSandbox> {
    const created = await createContainersSandbox(opts);
    sandboxes.push(created);
    return created;
  }

  const push = (tools: ContainersSandbox, repo: string, debug = false) =>
    tools.skopeo([...(debug ? ['--debug'] : []), 'copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${registry().host}/${repo}:v1`]);

  it('isolated runs remember nothing: a second push to another repository uploads every blob again', async () => {
    const tools = await sandbox();
    await push(tools, 'interop/iso-a');
    const second = await push(tools, 'interop/iso-b', true);
    assert.doesNotMatch(second.stderr, /Trying to (mount|reuse cached location)/);
    const expected = [image.config.digest, ...image.layers.map((l) => l.digest)].sort();
    assert.deepEqual(uploadedDigests(second.stderr, 'interop/iso-b').sort(), expected);
    assert.equal((await fetchManifest(registry().url, 'interop/iso-b', 'v1')).digest, image.manifest.digest);
    // Nor did either run write to the machine's own cache.
    const hostCache = await readFile(HOST_BLOB_CACHE, 'latin1').catch(() => '');
    assert.ok(!hostCache.includes(`${registry().host}/interop/iso-`), `${HOST_BLOB_CACHE} mentions the test registry`);
  });

  it('copy between two repositories with a remembered location mounts the layers instead of uploading', async () => {
    const tools = await sandbox({ shareBlobCache: true });
    const { host, url } = registry();
    await push(tools, 'interop/mount-src');
    const copy = await tools.skopeo(['--debug', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/interop/mount-src:v1`, `docker://${host}/interop/mount-dst:v1`]);
    for (const layer of image.layers) assert.ok(copy.stderr.includes(mountAttempt('interop/mount-dst', 'interop/mount-src', layer.digest)), `no mount attempt for ${layer.digest}`);
    assert.equal(copy.stderr.match(/\.\.\. mount OK/g)?.length, image.layers.length, 'every layer mount succeeds (201)');
    assert.deepEqual(uploadedDigests(copy.stderr, 'interop/mount-dst').filter((d) => d !== image.config.digest), [], 'no layer is uploaded');
    const served = await fetchManifest(url, 'interop/mount-dst', 'v1');
    assert.equal(served.digest, image.manifest.digest);
    for (const layer of image.layers) {
      assert.equal(await blobStatus(url, 'interop/mount-dst', layer.digest), 200);
      const res = await fetch(`${url}/v2/interop/mount-dst/blobs/${layer.digest}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), layer.bytes);
    }
  });

  it('the shared cache is the sandbox\'s own: a push from another isolated sandbox still uploads', async () => {
    const tools = await sandbox();
    const run = await push(tools, 'interop/mount-other', true);
    assert.doesNotMatch(run.stderr, /Trying to (mount|reuse cached location)/);
    assert.equal(uploadedDigests(run.stderr, 'interop/mount-other').length, 1 + image.layers.length);
  });

  it('pushing the same image to the same repository again uploads nothing: HEAD finds every blob', async () => {
    const tools = await sandbox();
    await push(tools, 'interop/again');
    const again = await push(tools, 'interop/again', true);
    assert.deepEqual(uploadedDigests(again.stderr, 'interop/again'), []);
    assert.match(again.stderr, /PUT http:\/\/[^ ]+\/v2\/interop\/again\/manifests\/v1/);
    assert.equal((await fetchManifest(registry().url, 'interop/again', 'v1')).digest, image.manifest.digest);
  });
});
