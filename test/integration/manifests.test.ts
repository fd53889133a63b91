import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  expectOciError,
  OCI_INDEX,
  OCI_MANIFEST,
  pushDescriptor,
  putManifest,
  rawRequest,
  sha256,
  sha512,
  type Descriptor,
} from '../helpers/oci-client.ts';

const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const REPO = 'man/app';

function ociManifest(config: Descriptor, layers: Descriptor[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers, ...extra });
}

describe('manifests', () => {
  let berth: TestBerth;
  let config: Descriptor;
  let layer: Descriptor;
  let dockerConfig: Descriptor;
  let dockerLayer: Descriptor;
  const url = (ref: string, repo = REPO) => `${berth.url}/v2/${repo}/manifests/${ref}`;

  /** PUTs a manifest and asserts it was created; returns its digest. */
  async function push(ref: string, bytes: string | Buffer, contentType: string, repo = REPO): Promise<string> {
    const res = await putManifest(berth.url, repo, ref, bytes, contentType);
    assert.equal(res.status, 201, await res.text());
    return res.headers.get('docker-content-digest')!;
  }

  /** An image for `arch` (its config differs per arch), pushed by digest. */
  async function pushPlatformImage(arch: string): Promise<Descriptor> {
    const cfg = await pushDescriptor(berth.url, REPO, JSON.stringify({ architecture: arch, os: 'linux' }), OCI_CONFIG);
    const bytes = ociManifest(cfg, [layer]);
    await push(sha256(bytes), bytes, OCI_MANIFEST);
    return { mediaType: OCI_MANIFEST, digest: sha256(bytes), size: Buffer.byteLength(bytes), platform: { architecture: arch, os: 'linux' } };
  }

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    config = await pushDescriptor(berth.url, REPO, JSON.stringify({ architecture: 'amd64', os: 'linux' }), OCI_CONFIG);
    layer = await pushDescriptor(berth.url, REPO, 'layer bytes', OCI_LAYER);
    dockerConfig = await pushDescriptor(berth.url, REPO, JSON.stringify({ architecture: 'amd64', os: 'linux', docker: true }), DOCKER_CONFIG);
    dockerLayer = await pushDescriptor(berth.url, REPO, 'docker layer bytes', DOCKER_LAYER);
  });
  after(() => berth.stop());

  describe('push and pull', () => {
    it('PUT by tag: 201 with Location and Docker-Content-Digest; GET serves the same bytes and type', async () => {
      const bytes = ociManifest(config, [layer]);
      const res = await putManifest(berth.url, REPO, 'v1', bytes, OCI_MANIFEST);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('docker-content-digest'), sha256(bytes));
      assert.equal(res.headers.get('location'), `/v2/${REPO}/manifests/${sha256(bytes)}`);
      assert.equal(res.headers.get('oci-subject'), null);
      for (const ref of ['v1', sha256(bytes)]) {
        const get = await fetch(url(ref), { headers: { accept: OCI_MANIFEST } });
        assert.equal(get.status, 200);
        assert.equal(get.headers.get('content-type'), OCI_MANIFEST);
        assert.equal(get.headers.get('docker-content-digest'), sha256(bytes));
        assert.equal(get.headers.get('content-length'), String(Buffer.byteLength(bytes)));
        assert.equal(await get.text(), bytes);
      }
    });

    it('PUT by digest: 201 and no tag is created', async () => {
      const bytes = ociManifest(config, [layer], { annotations: { by: 'digest' } });
      const digest = sha256(bytes);
      const ok = await putManifest(berth.url, REPO, digest, bytes, OCI_MANIFEST);
      assert.equal(ok.status, 201);
      assert.equal(ok.headers.get('location'), `/v2/${REPO}/manifests/${digest}`);
      assert.equal(ok.headers.get('docker-content-digest'), digest);
      assert.equal(await (await fetch(url(digest))).text(), bytes);
      const tags = (await (await fetch(`${berth.url}/v2/${REPO}/tags/list`)).json()) as { tags: string[] };
      assert.ok(!tags.tags.some((t) => t === digest));
    });

    it('PUT by a sha512 digest is addressed by that digest', async () => {
      const bytes = ociManifest(config, [layer], { annotations: { algorithm: 'sha512' } });
      const digest = sha512(bytes);
      const res = await putManifest(berth.url, REPO, digest, bytes, OCI_MANIFEST);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('docker-content-digest'), digest);
      const get = await fetch(url(digest));
      assert.equal(get.headers.get('docker-content-digest'), digest);
      assert.equal(await get.text(), bytes);
    });

    it('serves the bytes exactly as received: odd whitespace, key order, no mediaType field, digest of those bytes', async () => {
      const bytes = Buffer.from(`\n{   "layers" :[ ${JSON.stringify(layer)} ],\r\n\t"config":${JSON.stringify(config)} , "schemaVersion":2 ,"annotations":{"z":"1","a":"\\u00e9"}}  \n\n`);
      const digest = await push('odd', bytes, OCI_MANIFEST);
      assert.equal(digest, sha256(bytes));
      const get = await fetch(url('odd'));
      assert.equal(get.headers.get('content-type'), OCI_MANIFEST);
      assert.deepEqual(Buffer.from(await get.arrayBuffer()), bytes);
    });

    it('HEAD by tag and digest: type, length and digest, no body', async () => {
      const bytes = ociManifest(config, [layer]);
      for (const ref of ['v1', sha256(bytes)]) {
        const res = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/${REPO}/manifests/${ref}`, headers: { accept: OCI_MANIFEST } });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], OCI_MANIFEST);
        assert.equal(res.headers['content-length'], String(Buffer.byteLength(bytes)));
        assert.equal(res.headers['docker-content-digest'], sha256(bytes));
        assert.equal(res.body.length, 0);
      }
      const missing = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/${REPO}/manifests/nope` });
      assert.equal(missing.status, 404);
    });

    it('If-None-Match with the digest ETag answers 304', async () => {
      const bytes = ociManifest(config, [layer]);
      const res = await rawRequest(berth.url, { method: 'GET', path: `/v2/${REPO}/manifests/v1`, headers: { 'if-none-match': `"${sha256(bytes)}"` } });
      assert.equal(res.status, 304);
      assert.equal(res.body.length, 0);
    });

    it('a Content-Type with parameters is understood', async () => {
      const bytes = ociManifest(config, [layer], { annotations: { params: 'yes' } });
      await push('params', bytes, `${OCI_MANIFEST}; charset=utf-8`);
      assert.equal((await fetch(url('params'))).headers.get('content-type'), OCI_MANIFEST);
    });

    it('a generic Content-Type defers to the mediaType field', async () => {
      const bytes = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: dockerConfig, layers: [dockerLayer] });
      await push('generic', bytes, 'application/json');
      assert.equal((await fetch(url('generic'))).headers.get('content-type'), DOCKER_MANIFEST);
    });

    it('re-pushing a tag moves it to the new manifest', async () => {
      const one = ociManifest(config, [layer], { annotations: { n: '1' } });
      const two = ociManifest(config, [layer], { annotations: { n: '2' } });
      await push('moving', one, OCI_MANIFEST);
      await push('moving', two, OCI_MANIFEST);
      const get = await fetch(url('moving'));
      assert.equal(get.headers.get('docker-content-digest'), sha256(two));
      assert.equal((await fetch(url(sha256(one)))).status, 200);
    });

    it('a manifest of another repository is MANIFEST_UNKNOWN here', async () => {
      const bytes = ociManifest(config, [layer]);
      await expectOciError(await fetch(url(sha256(bytes), 'man/other')), 404, 'MANIFEST_UNKNOWN');
      await expectOciError(await fetch(url('v1', 'man/other')), 404, 'MANIFEST_UNKNOWN');
      await expectOciError(await fetch(url('no-such-tag')), 404, 'MANIFEST_UNKNOWN');
    });
  });

  describe('media types', () => {
    it('a Docker schema2 manifest and a Docker manifest list are accepted and served with their types', async () => {
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: dockerConfig, layers: [dockerLayer] });
      const digest = await push('docker', manifest, DOCKER_MANIFEST);
      const list = JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_LIST,
        manifests: [{ mediaType: DOCKER_MANIFEST, digest, size: Buffer.byteLength(manifest), platform: { architecture: 'amd64', os: 'linux' } }],
      });
      await push('docker-list', list, DOCKER_MANIFEST_LIST);
      const m = await fetch(url('docker'), { headers: { accept: DOCKER_MANIFEST } });
      assert.equal(m.headers.get('content-type'), DOCKER_MANIFEST);
      assert.equal(await m.text(), manifest);
      const l = await fetch(url('docker-list'), { headers: { accept: DOCKER_MANIFEST_LIST } });
      assert.equal(l.headers.get('content-type'), DOCKER_MANIFEST_LIST);
      assert.equal(await l.text(), list);
    });

    it('an OCI index is accepted and served with its type', async () => {
      const child = await pushPlatformImage('amd64');
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] });
      await push('index', index, OCI_INDEX);
      const res = await fetch(url('index'), { headers: { accept: OCI_INDEX } });
      assert.equal(res.headers.get('content-type'), OCI_INDEX);
      assert.equal(await res.text(), index);
    });

    for (const [label, contentType] of [
      ['signed', 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
      ['unsigned', 'application/vnd.docker.distribution.manifest.v1+json'],
      ['generic', 'application/json'],
    ] as const) {
      it(`a Docker schema1 manifest (${label}) is rejected with MANIFEST_INVALID`, async () => {
        const bytes = JSON.stringify({ schemaVersion: 1, name: REPO, tag: 'old', architecture: 'amd64', fsLayers: [{ blobSum: layer.digest }], history: [{ v1Compatibility: '{}' }] });
        await expectOciError(await putManifest(berth.url, REPO, 'schema1', bytes, contentType), 400, 'MANIFEST_INVALID');
      });
    }

    it('a Content-Type that contradicts the mediaType field is MANIFEST_INVALID', async () => {
      const bytes = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: dockerConfig, layers: [dockerLayer] });
      await expectOciError(await putManifest(berth.url, REPO, 'mismatch', bytes, OCI_MANIFEST), 400, 'MANIFEST_INVALID');
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
      await expectOciError(await putManifest(berth.url, REPO, 'mismatch', index, OCI_MANIFEST), 400, 'MANIFEST_INVALID');
      await expectOciError(await fetch(url('mismatch')), 404, 'MANIFEST_UNKNOWN');
    });

    for (const [label, bytes] of [
      ['truncated JSON', '{"schemaVersion": 2, "config": '],
      ['not an object', '[1,2,3]'],
      ['empty body', ''],
      ['schemaVersion 3', JSON.stringify({ schemaVersion: 3, mediaType: OCI_MANIFEST, config: EMPTY_CONFIG, layers: [] })],
      ['layers not an array', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_CONFIG, layers: {} })],
      ['bad descriptor digest', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...EMPTY_CONFIG, digest: 'sha256:zz' }, layers: [] })],
      ['negative size', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...EMPTY_CONFIG, size: -1 }, layers: [] })],
    ] as const) {
      it(`a malformed manifest (${label}) is 400 MANIFEST_INVALID`, async () => {
        await expectOciError(await putManifest(berth.url, REPO, 'broken', bytes, OCI_MANIFEST), 400, 'MANIFEST_INVALID');
      });
    }
  });

  describe('content negotiation', () => {
    it('an Accept listing only other types is 404 MANIFEST_UNKNOWN, by tag and by digest', async () => {
      const bytes = ociManifest(config, [layer]);
      for (const ref of ['v1', sha256(bytes)]) {
        await expectOciError(await fetch(url(ref), { headers: { accept: `${DOCKER_MANIFEST}, ${DOCKER_MANIFEST_LIST}` } }), 404, 'MANIFEST_UNKNOWN');
      }
    });

    it('no Accept header at all is served the manifest', async () => {
      const res = await rawRequest(berth.url, { method: 'GET', path: `/v2/${REPO}/manifests/v1` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], OCI_MANIFEST);
      assert.equal(res.body.toString(), ociManifest(config, [layer]));
    });

    it('*/* and lists with q-values that include the type are served', async () => {
      for (const accept of ['*/*', `${DOCKER_MANIFEST};q=0.9, ${OCI_MANIFEST};q=0.5`, `${OCI_INDEX},${OCI_MANIFEST}`]) {
        const res = await fetch(url('v1'), { headers: { accept } });
        assert.equal(res.status, 200, accept);
        assert.equal(res.headers.get('content-type'), OCI_MANIFEST);
      }
    });

    it('an index pulled by tag by a client accepting only image manifests gets the linux/amd64 child', async () => {
      const arm = await pushPlatformImage('arm64');
      const amd = await pushPlatformImage('amd64');
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [arm, amd] });
      const indexDigest = await push('multi', index, OCI_INDEX);
      const res = await fetch(url('multi'), { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(res.headers.get('docker-content-digest'), amd.digest);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), amd.digest);
      // By digest the client asked for that exact content: no substitution.
      await expectOciError(await fetch(url(indexDigest), { headers: { accept: OCI_MANIFEST } }), 404, 'MANIFEST_UNKNOWN');
      const whole = await fetch(url('multi'), { headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
      assert.equal(whole.headers.get('docker-content-digest'), indexDigest);
    });

    it('an index without a linux/amd64 child is MANIFEST_UNKNOWN for such a client', async () => {
      const arm = await pushPlatformImage('arm64');
      await push('arm-only', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [arm] }), OCI_INDEX);
      await expectOciError(await fetch(url('arm-only'), { headers: { accept: OCI_MANIFEST } }), 404, 'MANIFEST_UNKNOWN');
    });
  });

  describe('validation against the repository', () => {
    it('a missing layer or config is MANIFEST_BLOB_UNKNOWN naming it', async () => {
      const ghost = { mediaType: OCI_LAYER, digest: sha256('never pushed'), size: 12 };
      const err = await expectOciError(await putManifest(berth.url, REPO, 'ghost', ociManifest(config, [layer, ghost]), OCI_MANIFEST), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(err.detail, { missing: [ghost.digest] });
      const ghostConfig = { mediaType: OCI_CONFIG, digest: sha256('no config'), size: 9 };
      const err2 = await expectOciError(await putManifest(berth.url, REPO, 'ghost', ociManifest(ghostConfig, [layer]), OCI_MANIFEST), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(err2.detail, { missing: [ghostConfig.digest] });
      await expectOciError(await fetch(url('ghost')), 404, 'MANIFEST_UNKNOWN');
    });

    it('blobs present only in another repository do not count', async () => {
      await expectOciError(await putManifest(berth.url, 'man/elsewhere', 'v1', ociManifest(config, [layer]), OCI_MANIFEST), 400, 'MANIFEST_BLOB_UNKNOWN');
    });

    it('an index listing a child manifest not in the repository is MANIFEST_BLOB_UNKNOWN', async () => {
      const child = { mediaType: OCI_MANIFEST, digest: sha256('no such manifest'), size: 16, platform: { architecture: 'amd64', os: 'linux' } };
      const err = await expectOciError(await putManifest(berth.url, REPO, 'bad-index', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }), OCI_INDEX), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(err.detail, { missing: [child.digest] });
    });

    it('a digest in the URL that does not match the body is DIGEST_INVALID', async () => {
      const bytes = ociManifest(config, [layer], { annotations: { x: 'y' } });
      const wrong = sha256('something else');
      await expectOciError(await putManifest(berth.url, REPO, wrong, bytes, OCI_MANIFEST), 400, 'DIGEST_INVALID');
      await expectOciError(await fetch(url(wrong)), 404, 'MANIFEST_UNKNOWN');
      await expectOciError(await fetch(url(sha256(bytes))), 404, 'MANIFEST_UNKNOWN');
    });

    it('a manifest over 4 MiB is 413 SIZE_INVALID, with or without Content-Length; exactly 4 MiB is accepted', async () => {
      const limit = 4 * 1024 * 1024;
      const padded = (total: number) => {
        const bare = ociManifest(config, [layer], { annotations: { pad: '' } });
        return ociManifest(config, [layer], { annotations: { pad: 'p'.repeat(total - Buffer.byteLength(bare)) } });
      };
      const tooBig = padded(limit + 1);
      assert.equal(Buffer.byteLength(tooBig), limit + 1);
      await expectOciError(await putManifest(berth.url, REPO, 'huge', tooBig, OCI_MANIFEST), 413, 'SIZE_INVALID');
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = Buffer.from(tooBig);
          for (let i = 0; i < bytes.length; i += 256 * 1024) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 256 * 1024)));
          controller.close();
        },
      });
      const chunked = await fetch(url('huge'), { method: 'PUT', body: stream, duplex: 'half', headers: { 'content-type': OCI_MANIFEST } } as RequestInit).catch((err: Error) => err);
      // The server may close the connection before the client finished sending: either way nothing is stored.
      if (chunked instanceof Response) await expectOciError(chunked, 413, 'SIZE_INVALID');
      await expectOciError(await fetch(url('huge')), 404, 'MANIFEST_UNKNOWN');
      const atLimit = padded(limit);
      assert.equal(Buffer.byteLength(atLimit), limit);
      assert.equal(await push('at-limit', atLimit, OCI_MANIFEST), sha256(atLimit));
      assert.equal((await fetch(`${berth.url}/v2/`)).status, 200);
    });

    it('an artifact using the OCI empty config blob that was never pushed is accepted', async () => {
      const fresh = 'man/artifact';
      const payload = await pushDescriptor(berth.url, fresh, 'artifact payload', 'application/vnd.example.payload');
      const bytes = ociManifest(EMPTY_CONFIG, [payload], { artifactType: 'application/vnd.example.thing' });
      await push('art', bytes, OCI_MANIFEST, fresh);
      const blob = await fetch(`${berth.url}/v2/${fresh}/blobs/${EMPTY_CONFIG.digest}`);
      assert.equal(blob.status, 200);
      assert.equal(await blob.text(), '{}');
      const onlyEmpty = ociManifest(EMPTY_CONFIG, [EMPTY_CONFIG], { artifactType: 'application/vnd.example.empty' });
      await push('only-empty', onlyEmpty, OCI_MANIFEST, 'man/artifact-empty');
    });
  });

  describe('DELETE', () => {
    async function tags(): Promise<string[]> {
      return ((await (await fetch(`${berth.url}/v2/${REPO}/tags/list`)).json()) as { tags: string[] }).tags;
    }

    it('by tag removes only that tag: sibling tags on the same digest survive', async () => {
      const bytes = ociManifest(config, [layer], { annotations: { del: 'tag' } });
      const digest = await push('del-keep', bytes, OCI_MANIFEST);
      await push('del-drop', bytes, OCI_MANIFEST);
      const res = await fetch(url('del-drop'), { method: 'DELETE' });
      assert.equal(res.status, 202);
      await expectOciError(await fetch(url('del-drop')), 404, 'MANIFEST_UNKNOWN');
      assert.equal((await fetch(url('del-keep'))).headers.get('docker-content-digest'), digest);
      assert.equal((await fetch(url(digest))).status, 200);
      const now = await tags();
      assert.ok(now.includes('del-keep') && !now.includes('del-drop'), now.join(','));
      await expectOciError(await fetch(url('del-drop'), { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
    });

    it('by digest removes the manifest and every tag pointing at it', async () => {
      const bytes = ociManifest(config, [layer], { annotations: { del: 'digest' } });
      const digest = await push('del-d1', bytes, OCI_MANIFEST);
      await push('del-d2', bytes, OCI_MANIFEST);
      const res = await fetch(url(digest), { method: 'DELETE' });
      assert.equal(res.status, 202);
      await expectOciError(await fetch(url(digest)), 404, 'MANIFEST_UNKNOWN');
      await expectOciError(await fetch(url('del-d1')), 404, 'MANIFEST_UNKNOWN');
      await expectOciError(await fetch(url('del-d2')), 404, 'MANIFEST_UNKNOWN');
      const now = await tags();
      assert.ok(!now.includes('del-d1') && !now.includes('del-d2'), now.join(','));
      await expectOciError(await fetch(url(digest), { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
    });

    it('of a child still listed by an index is 409 DENIED; once the index is gone it succeeds', async () => {
      const child = await pushPlatformImage('s390x');
      const indexDigest = await push('del-index', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }), OCI_INDEX);
      await expectOciError(await fetch(url(child.digest), { method: 'DELETE' }), 409, 'DENIED');
      assert.equal((await fetch(url(child.digest))).status, 200);
      assert.equal((await fetch(url(indexDigest), { method: 'DELETE' })).status, 202);
      assert.equal((await fetch(url(child.digest), { method: 'DELETE' })).status, 202);
      await expectOciError(await fetch(url(child.digest)), 404, 'MANIFEST_UNKNOWN');
    });

    it('in one repository leaves the same manifest in another', async () => {
      const other = 'man/copy';
      const cfg = await pushDescriptor(berth.url, other, JSON.stringify({ architecture: 'amd64', os: 'linux' }), OCI_CONFIG);
      const lay = await pushDescriptor(berth.url, other, 'layer bytes', OCI_LAYER);
      const bytes = ociManifest(cfg, [lay], { annotations: { shared: 'yes' } });
      await push('shared', bytes, OCI_MANIFEST);
      await push('shared', bytes, OCI_MANIFEST, other);
      assert.equal((await fetch(url(sha256(bytes)), { method: 'DELETE' })).status, 202);
      const still = await fetch(url('shared', other));
      assert.equal(still.status, 200);
      assert.equal(await still.text(), bytes);
    });
  });
});
