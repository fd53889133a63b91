import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../../helpers/berth-server.ts';
import { pushBlob, sha256 } from '../../helpers/oci-client.ts';
import { filesUnder, randomBlob, uploadBytesOnDisk, waitFor } from './fs-probe.ts';
import { ociCodes, responseOf, send, streamedRequest } from './raw-http.ts';
import { assertBlobServed, finishUpload, startUpload, withDigest } from './registry-probe.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** Several clients at once against one registry: nothing is lost, interleaved or served half-written. */
describe('concurrent clients', { timeout: 600_000 }, () => {
  let berth: TestBerth;
  before(async () => {
    berth = await startTestBerth({}, { open: true });
  });
  after(() => berth.stop());

  it('two clients pushing the same blob at once both get 201, and one file holds it', async () => {
    const repo = 'race/same-blob';
    const { bytes, digest } = randomBlob(6 * MIB);
    const sessions = await Promise.all([startUpload(berth.url, repo), startUpload(berth.url, repo)]);
    const results = await Promise.all(
      sessions.map(async ({ location }) => {
        const res = await fetch(new URL(withDigest(location, digest), berth.url), { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
        return { status: res.status, body: await res.text(), digest: res.headers.get('docker-content-digest') };
      }),
    );
    for (const r of results) {
      assert.equal(r.status, 201, r.body);
      assert.equal(r.digest, digest);
    }
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
    assert.deepEqual(await filesUnder(join(berth.dataDir, 'uploads')), [], 'both uploads should be gone after completing');
  });

  it('the same blob pushed at once into different repositories is linked into each', async () => {
    const { bytes, digest } = randomBlob(2 * MIB);
    const repos = ['race/a', 'race/b', 'race/c', 'race/d'];
    const digests = await Promise.all(repos.map((repo) => pushBlob(berth.url, repo, bytes)));
    assert.deepEqual(digests, repos.map(() => digest));
    for (const repo of repos) await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });

  it('many clients pushing one tag with different manifests: all 201, the tag names one of them, all stay retrievable', async () => {
    const repo = 'race/tag';
    const configBytes = JSON.stringify({ architecture: 'amd64', os: 'linux' });
    const config = await pushBlob(berth.url, repo, configBytes);
    const layer = await pushBlob(berth.url, repo, 'shared layer');
    const bodies = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: Buffer.byteLength(configBytes) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: Buffer.byteLength('shared layer') }],
        annotations: { client: String(i) },
      }),
    );
    const results = await Promise.all(
      bodies.map(async (body) => {
        const res = await fetch(`${berth.url}/v2/${repo}/manifests/latest`, { method: 'PUT', body, headers: { 'content-type': MANIFEST_TYPE } });
        return { status: res.status, text: await res.text(), digest: res.headers.get('docker-content-digest') };
      }),
    );
    const digests = bodies.map((b) => sha256(b));
    results.forEach((r, i) => {
      assert.equal(r.status, 201, r.text);
      assert.equal(r.digest, digests[i]);
    });

    const tagged = await fetch(`${berth.url}/v2/${repo}/manifests/latest`, { headers: { accept: MANIFEST_TYPE } });
    assert.equal(tagged.status, 200);
    const taggedBody = await tagged.text();
    assert.ok(bodies.includes(taggedBody), 'the tag must point at one of the pushed manifests, whole');
    assert.equal(tagged.headers.get('docker-content-digest'), sha256(taggedBody));

    for (let i = 0; i < bodies.length; i++) {
      const res = await fetch(`${berth.url}/v2/${repo}/manifests/${digests[i]}`, { headers: { accept: MANIFEST_TYPE } });
      assert.equal(res.status, 200, `manifest ${i} is no longer retrievable by digest`);
      assert.equal(await res.text(), bodies[i]);
    }
    const list = (await (await fetch(`${berth.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(list.tags, ['latest']);
  });

  it('chunked uploads to different sessions, interleaved, each complete with their own content', async () => {
    const repo = 'race/chunked';
    const blobs = Array.from({ length: 6 }, () => randomBlob(MIB + 333));
    const sessions = await Promise.all(blobs.map(() => startUpload(berth.url, repo)));
    const chunk = 256 * KIB;
    const locations = sessions.map((s) => s.location);
    for (let offset = 0; offset < blobs[0]!.bytes.length; offset += chunk) {
      await Promise.all(
        blobs.map(async ({ bytes }, i) => {
          const piece = bytes.subarray(offset, offset + chunk);
          const res = await fetch(new URL(locations[i]!, berth.url), {
            method: 'PATCH',
            body: piece,
            headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + piece.length - 1}` },
          });
          assert.equal(res.status, 202, await res.text());
          assert.equal(res.headers.get('range'), `0-${offset + piece.length - 1}`);
          locations[i] = res.headers.get('location')!;
        }),
      );
    }
    const puts = await Promise.all(blobs.map(({ digest }, i) => fetch(new URL(withDigest(locations[i]!, digest), berth.url), { method: 'PUT' })));
    for (const put of puts) assert.equal(put.status, 201, await put.text());
    for (const { bytes, digest } of blobs) await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });

  it('a second writer to a session with a PATCH in flight is refused, and the first one completes', async () => {
    const repo = 'race/one-session';
    const { bytes, digest } = randomBlob(2 * MIB);
    const { location, id } = await startUpload(berth.url, repo);
    const first = streamedRequest(berth.url, 'PATCH', location, { 'content-length': bytes.length });
    await first.write(bytes.subarray(0, MIB));
    await waitFor('the first PATCH to be writing', async () => (await uploadBytesOnDisk(berth.dataDir, id)) > 0);

    const second = responseOf(await send(berth.url, 'PATCH', location, 'interloper'));
    assert.equal(second.status, 416, second.body);
    assert.deepEqual(ociCodes(second.body), ['BLOB_UPLOAD_INVALID']);

    await first.write(bytes.subarray(MIB));
    first.end();
    const done = responseOf(await first.outcome);
    assert.equal(done.status, 202, done.body);
    assert.equal(done.headers.range, `0-${bytes.length - 1}`);
    await finishUpload(berth.url, location, digest, bytes);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });
});
