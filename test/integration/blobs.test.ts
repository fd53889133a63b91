import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { expectOciError, pushBlob, pushImage, rawRequest, sha256, sha512 } from '../helpers/oci-client.ts';

const BYTES = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 7 + 3) % 256));

describe('blobs: HEAD, GET, ranges, DELETE', () => {
  let berth: TestBerth;
  let digest: string;
  const url = (repo: string, d: string) => `${berth.url}/v2/${repo}/blobs/${d}`;

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    digest = await pushBlob(berth.url, 'blobs/a', BYTES);
  });
  after(() => berth.stop());

  it('HEAD answers the size, digest and ETag without a body', async () => {
    const res = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/blobs/a/blobs/${digest}` });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], '100');
    assert.equal(res.headers['docker-content-digest'], digest);
    assert.equal(res.headers.etag, `"${digest}"`);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.body.length, 0);
  });

  it('GET serves the exact bytes with Content-Length, digest and ETag', async () => {
    const res = await fetch(url('blobs/a', digest));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '100');
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('docker-content-digest'), digest);
    assert.equal(res.headers.get('etag'), `"${digest}"`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), BYTES);
  });

  it('If-None-Match with the ETag answers 304 with no body, on GET and HEAD', async () => {
    const get = await rawRequest(berth.url, { method: 'GET', path: `/v2/blobs/a/blobs/${digest}`, headers: { 'if-none-match': `"${digest}"` } });
    assert.equal(get.status, 304);
    assert.equal(get.body.length, 0);
    assert.equal(get.headers.etag, `"${digest}"`);
    const head = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/blobs/a/blobs/${digest}`, headers: { 'if-none-match': `"${digest}"` } });
    assert.equal(head.status, 304);
    const other = await fetch(url('blobs/a', digest), { headers: { 'if-none-match': '"sha256:other"' } });
    assert.equal(other.status, 200);
    assert.equal((await other.arrayBuffer()).byteLength, 100);
  });

  const ranges: Array<[string, number, number]> = [
    ['bytes=10-19', 10, 19],
    ['bytes=0-0', 0, 0],
    ['bytes=90-', 90, 99],
    ['bytes=-5', 95, 99],
    ['bytes=-500', 0, 99],
    ['bytes=95-200', 95, 99],
  ];
  for (const [header, start, end] of ranges) {
    it(`Range ${header} answers 206 with bytes ${start}-${end}/100`, async () => {
      const res = await fetch(url('blobs/a', digest), { headers: { range: header } });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/100`);
      assert.equal(res.headers.get('content-length'), String(end - start + 1));
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), BYTES.subarray(start, end + 1));
    });
  }

  it('a ranged HEAD reports the range length', async () => {
    const res = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/blobs/a/blobs/${digest}`, headers: { range: 'bytes=10-19' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], 'bytes 10-19/100');
    assert.equal(res.headers['content-length'], '10');
  });

  for (const header of ['bytes=100-', 'bytes=150-160', 'bytes=-0']) {
    it(`Range ${header} is 416 with Content-Range bytes */100`, async () => {
      const res = await fetch(url('blobs/a', digest), { headers: { range: header } });
      assert.equal(res.status, 416);
      assert.equal(res.headers.get('content-range'), 'bytes */100');
      await expectOciError(res, 416, 'BLOB_UNKNOWN');
    });
  }

  for (const header of ['bytes=0-1,5-6', 'bytes=20-10', 'items=0-5', 'bytes=x-y']) {
    it(`Range ${header} (multiple or not understood) serves the whole blob with 200`, async () => {
      const res = await fetch(url('blobs/a', digest), { headers: { range: header } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-range'), null);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), BYTES);
    });
  }

  it('a blob stored for another repository is BLOB_UNKNOWN here', async () => {
    await pushBlob(berth.url, 'blobs/other', 'something else');
    await expectOciError(await fetch(url('blobs/other', digest)), 404, 'BLOB_UNKNOWN');
    const head = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/blobs/other/blobs/${digest}` });
    assert.equal(head.status, 404);
    assert.equal(head.body.length, 0);
    await expectOciError(await fetch(url('blobs/never', digest)), 404, 'BLOB_UNKNOWN');
  });

  it('an unknown digest is 404 BLOB_UNKNOWN', async () => {
    await expectOciError(await fetch(url('blobs/a', sha256('not pushed'))), 404, 'BLOB_UNKNOWN');
  });

  it('a blob pushed under sha512 is served by its sha512 digest', async () => {
    const content = 'sha512 blob content';
    const start = await fetch(`${berth.url}/v2/blobs/a/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location')!, berth.url);
    const d512 = sha512(content);
    location.searchParams.set('digest', d512);
    assert.equal((await fetch(location, { method: 'PUT', body: content })).status, 201);
    const res = await fetch(url('blobs/a', d512));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), d512);
    assert.equal(await res.text(), content);
  });

  describe('DELETE', () => {
    it('answers 202, then the blob is 404 and a second DELETE is 404', async () => {
      const d = await pushBlob(berth.url, 'blobs/del', 'to be deleted');
      const del = await fetch(url('blobs/del', d), { method: 'DELETE' });
      assert.equal(del.status, 202);
      assert.equal(await del.text(), '');
      await expectOciError(await fetch(url('blobs/del', d)), 404, 'BLOB_UNKNOWN');
      await expectOciError(await fetch(url('blobs/del', d), { method: 'DELETE' }), 404, 'BLOB_UNKNOWN');
    });

    it('only unlinks from this repository: the same blob stays in another', async () => {
      const d = await pushBlob(berth.url, 'blobs/del-a', 'shared bytes');
      await pushBlob(berth.url, 'blobs/del-b', 'shared bytes');
      assert.equal((await fetch(url('blobs/del-a', d), { method: 'DELETE' })).status, 202);
      const still = await fetch(url('blobs/del-b', d));
      assert.equal(still.status, 200);
      assert.equal(await still.text(), 'shared bytes');
    });

    it('is 409 DENIED while a manifest in the repository references the blob, 202 once it is gone', async () => {
      const image = await pushImage(berth.url, 'blobs/used', 'v1', ['used layer']);
      const refused = await fetch(url('blobs/used', image.layers[0]!), { method: 'DELETE' });
      const error = await expectOciError(refused, 409, 'DENIED');
      assert.match(error.message, /manifest/);
      assert.equal((await fetch(url('blobs/used', image.layers[0]!))).status, 200);
      assert.equal((await fetch(`${berth.url}/v2/blobs/used/manifests/${image.digest}`, { method: 'DELETE' })).status, 202);
      assert.equal((await fetch(url('blobs/used', image.layers[0]!), { method: 'DELETE' })).status, 202);
      assert.equal((await fetch(url('blobs/used', image.config), { method: 'DELETE' })).status, 202);
    });

    it('a manifest in another repository does not pin the blob here', async () => {
      const image = await pushImage(berth.url, 'blobs/pin-a', 'v1', ['pinned layer']);
      await pushBlob(berth.url, 'blobs/pin-b', 'pinned layer');
      assert.equal((await fetch(url('blobs/pin-b', image.layers[0]!), { method: 'DELETE' })).status, 202);
      assert.equal((await fetch(url('blobs/pin-a', image.layers[0]!))).status, 200);
    });
  });
});
