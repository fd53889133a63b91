import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { body, expectOciError, pushBlob, rawRequest, sha256, sha512, startUpload, withQuery } from '../helpers/oci-client.ts';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const DATA = Buffer.from(Array.from({ length: 30 }, (_, i) => 65 + (i % 26)));

/** A request body fetch sends with chunked transfer encoding (no Content-Length). */
function streamed(...parts: Buffer[]): RequestInit {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(new Uint8Array(p));
      controller.close();
    },
  });
  return { body: stream, duplex: 'half' } as RequestInit;
}

describe('blob uploads', () => {
  let berth: TestBerth;
  before(async () => {
    berth = await startTestBerth({}, { open: true });
  });
  after(() => berth.stop());

  async function blobBytes(repo: string, digest: string): Promise<Buffer> {
    const res = await fetch(`${berth.url}/v2/${repo}/blobs/${digest}`);
    assert.equal(res.status, 200, `blob ${digest} in ${repo}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** The spec's answer to a finished push or mount: 201, the blob's Location and its digest. */
  function assertBlobCreated(res: Response, repo: string, digest: string): void {
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `/v2/${repo}/blobs/${digest}`);
    assert.equal(res.headers.get('docker-content-digest'), digest);
  }

  async function uploadFiles(): Promise<string[]> {
    return readdir(join(berth.dataDir, 'uploads'));
  }

  function patch(location: URL, bytes: Buffer, range?: string): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (range !== undefined) headers['content-range'] = range;
    return fetch(location, { method: 'PATCH', body: body(bytes), headers });
  }

  it('POST opens a session: 202, Location, Range 0-0, Docker-Upload-UUID', async () => {
    const res = await fetch(`${berth.url}/v2/up/a/blobs/uploads/`, { method: 'POST' });
    assert.equal(res.status, 202);
    const location = res.headers.get('location')!;
    const m = /^\/v2\/up\/a\/blobs\/uploads\/([0-9a-f-]{36})$/.exec(location);
    assert.ok(m, location);
    assert.equal(res.headers.get('docker-upload-uuid'), m[1]);
    assert.equal(res.headers.get('range'), '0-0');
    assert.equal(res.headers.get('content-length'), '0');
    // The session is a row; its upload file is created with the first bytes.
    assert.ok(!(await uploadFiles()).includes(m[1]!));
    const status = await fetch(new URL(location, berth.url));
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    assert.equal(status.headers.get('docker-upload-uuid'), m[1]);
  });

  it('POST without the trailing slash opens a session too', async () => {
    const res = await fetch(`${berth.url}/v2/up/a/blobs/uploads`, { method: 'POST' });
    assert.equal(res.status, 202);
    assert.match(res.headers.get('location')!, /^\/v2\/up\/a\/blobs\/uploads\/[0-9a-f-]{36}$/);
  });

  it('monolithic PUT: 201 with Location and Docker-Content-Digest, bytes served back', async () => {
    const location = await startUpload(berth.url, 'up/mono');
    const digest = sha256(DATA);
    const res = await fetch(withQuery(location, { digest }), { method: 'PUT', body: body(DATA), headers: { 'content-type': 'application/octet-stream' } });
    assertBlobCreated(res, 'up/mono', digest);
    assert.deepEqual(await blobBytes('up/mono', digest), DATA);
    // The session is finished: it cannot be written to again.
    await expectOciError(await fetch(location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('single POST ?digest= pushes a whole blob: 201', async () => {
    const digest = sha256('single post');
    const res = await fetch(`${berth.url}/v2/up/single/blobs/uploads/?digest=${digest}`, { method: 'POST', body: 'single post', headers: { 'content-type': 'application/octet-stream' } });
    assertBlobCreated(res, 'up/single', digest);
    assert.equal((await blobBytes('up/single', digest)).toString(), 'single post');
  });

  it('single POST ?digest= with the wrong digest is 400 DIGEST_INVALID and stores nothing', async () => {
    const claimed = sha256('what the client claims');
    const before = await uploadFiles();
    const res = await fetch(`${berth.url}/v2/up/single-bad/blobs/uploads/?digest=${claimed}`, { method: 'POST', body: 'other bytes' });
    await expectOciError(res, 400, 'DIGEST_INVALID');
    await expectOciError(await fetch(`${berth.url}/v2/up/single-bad/blobs/${claimed}`), 404, 'BLOB_UNKNOWN');
    await expectOciError(await fetch(`${berth.url}/v2/up/single-bad/blobs/${sha256('other bytes')}`), 404, 'BLOB_UNKNOWN');
    assert.deepEqual((await uploadFiles()).sort(), before.sort());
  });

  it('chunked PATCH with Content-Range, GET status, then PUT without a body', async () => {
    const location = await startUpload(berth.url, 'up/chunked');
    const first = await patch(location, DATA.subarray(0, 10), '0-9');
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-9');
    assert.equal(new URL(first.headers.get('location')!, berth.url).pathname, location.pathname);
    assert.equal(first.headers.get('docker-upload-uuid'), location.pathname.split('/').at(-1));
    const second = await patch(location, DATA.subarray(10, 20), '10-19');
    assert.equal(second.status, 202);
    assert.equal(second.headers.get('range'), '0-19');

    const status = await fetch(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-19');
    assert.equal(new URL(status.headers.get('location')!, berth.url).pathname, location.pathname);

    const third = await patch(location, DATA.subarray(20), '20-29');
    assert.equal(third.headers.get('range'), '0-29');
    const digest = sha256(DATA);
    const done = await fetch(withQuery(location, { digest }), { method: 'PUT' });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), digest);
    assert.deepEqual(await blobBytes('up/chunked', digest), DATA);
  });

  it('the RFC form Content-Range: bytes a-b/total is accepted', async () => {
    const location = await startUpload(berth.url, 'up/rfc-range');
    const res = await patch(location, DATA.subarray(0, 10), 'bytes 0-9/30');
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('range'), '0-9');
  });

  it('an out-of-order or overlapping chunk is 416 with Range telling the current offset; the session survives', async () => {
    const location = await startUpload(berth.url, 'up/order');
    assert.equal((await patch(location, DATA.subarray(0, 10), '0-9')).status, 202);
    for (const [slice, range] of [[DATA.subarray(15, 20), '15-19'], [DATA.subarray(5, 15), '5-14'], [DATA.subarray(0, 10), '0-9']] as const) {
      const res = await patch(location, slice, range);
      assert.equal(res.headers.get('range'), '0-9', range);
      await expectOciError(res, 416, 'BLOB_UPLOAD_INVALID');
    }
    const status = await fetch(location);
    assert.equal(status.headers.get('range'), '0-9');
    assert.equal((await patch(location, DATA.subarray(10), '10-29')).status, 202);
    const digest = sha256(DATA);
    assert.equal((await fetch(withQuery(location, { digest }), { method: 'PUT' })).status, 201);
    assert.deepEqual(await blobBytes('up/order', digest), DATA);
  });

  it('a first chunk not starting at 0 is 416 with Range 0-0', async () => {
    const location = await startUpload(berth.url, 'up/order');
    const res = await patch(location, DATA.subarray(5, 10), '5-9');
    assert.equal(res.headers.get('range'), '0-0');
    await expectOciError(res, 416, 'BLOB_UPLOAD_INVALID');
  });

  it('a Content-Range that disagrees with Content-Length is 416', async () => {
    const location = await startUpload(berth.url, 'up/order');
    await expectOciError(await patch(location, DATA.subarray(0, 10), '0-19'), 416, 'BLOB_UPLOAD_INVALID');
    assert.equal((await fetch(location)).headers.get('range'), '0-0');
  });

  it('a malformed Content-Range is 416', async () => {
    const location = await startUpload(berth.url, 'up/order');
    await expectOciError(await patch(location, DATA.subarray(0, 10), 'ten bytes'), 416, 'BLOB_UPLOAD_INVALID');
  });

  it('streamed PATCH without Content-Range (chunked transfer) appends', async () => {
    const location = await startUpload(berth.url, 'up/stream');
    const first = await fetch(location, { method: 'PATCH', ...streamed(DATA.subarray(0, 7), DATA.subarray(7, 12)) });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-11');
    const second = await fetch(location, { method: 'PATCH', ...streamed(DATA.subarray(12)) });
    assert.equal(second.headers.get('range'), '0-29');
    const digest = sha256(DATA);
    assert.equal((await fetch(withQuery(location, { digest }), { method: 'PUT' })).status, 201);
    assert.deepEqual(await blobBytes('up/stream', digest), DATA);
  });

  it('the final PUT may carry the last chunk in its body', async () => {
    const location = await startUpload(berth.url, 'up/last-chunk');
    assert.equal((await patch(location, DATA.subarray(0, 12), '0-11')).status, 202);
    const digest = sha256(DATA);
    const res = await fetch(withQuery(location, { digest }), { method: 'PUT', body: body(DATA.subarray(12)), headers: { 'content-range': '12-29' } });
    assert.equal(res.status, 201);
    assert.deepEqual(await blobBytes('up/last-chunk', digest), DATA);
  });

  it('a streamed body (chunked transfer, no Content-Length) completes a final PUT and a single POST', async () => {
    const location = await startUpload(berth.url, 'up/streamed-put');
    await patch(location, DATA.subarray(0, 5), '0-4');
    const digest = sha256(DATA);
    const done = await fetch(withQuery(location, { digest }), { method: 'PUT', ...streamed(DATA.subarray(5, 17), DATA.subarray(17)) });
    assert.equal(done.status, 201);
    assert.deepEqual(await blobBytes('up/streamed-put', digest), DATA);
    const single = await fetch(`${berth.url}/v2/up/streamed-post/blobs/uploads/?digest=${digest}`, { method: 'POST', ...streamed(DATA.subarray(0, 3), DATA.subarray(3)) });
    assert.equal(single.status, 201);
    assert.deepEqual(await blobBytes('up/streamed-post', digest), DATA);
  });

  it('DELETE cancels: 204, then the session is 404 BLOB_UPLOAD_UNKNOWN and its bytes are gone', async () => {
    const location = await startUpload(berth.url, 'up/cancel');
    await patch(location, DATA, '0-29');
    const id = location.pathname.split('/').at(-1)!;
    assert.ok((await uploadFiles()).includes(id));
    const res = await fetch(location, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.ok(!(await uploadFiles()).includes(id));
    await expectOciError(await fetch(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await patch(location, DATA, '0-29'), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await fetch(withQuery(location, { digest: sha256(DATA) }), { method: 'PUT' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await fetch(location, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('PUT with the wrong digest is 400 DIGEST_INVALID: the session and its bytes are gone, no blob exists', async () => {
    const location = await startUpload(berth.url, 'up/wrong');
    const id = location.pathname.split('/').at(-1)!;
    await patch(location, DATA, '0-29');
    const claimed = sha256('not these bytes');
    const error = await expectOciError(await fetch(withQuery(location, { digest: claimed }), { method: 'PUT' }), 400, 'DIGEST_INVALID');
    assert.deepEqual(error.detail, { expected: claimed, actual: sha256(DATA), sizeBytes: 30 });
    await expectOciError(await fetch(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.ok(!(await uploadFiles()).includes(id));
    await expectOciError(await fetch(`${berth.url}/v2/up/wrong/blobs/${claimed}`), 404, 'BLOB_UNKNOWN');
    await expectOciError(await fetch(`${berth.url}/v2/up/wrong/blobs/${sha256(DATA)}`), 404, 'BLOB_UNKNOWN');
  });

  it('PUT without the digest parameter is 400 DIGEST_INVALID and leaves the session as it was', async () => {
    const location = await startUpload(berth.url, 'up/no-digest');
    await patch(location, DATA.subarray(0, 10), '0-9');
    await expectOciError(await fetch(location, { method: 'PUT' }), 400, 'DIGEST_INVALID');
    await expectOciError(await fetch(withQuery(location, { digest: 'sha256:short' }), { method: 'PUT' }), 400, 'DIGEST_INVALID');
    const status = await fetch(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-9');
  });

  it('sha512 digests complete a chunked session, a monolithic PUT and a single POST', async () => {
    const digest = sha512(DATA);
    const chunked = await startUpload(berth.url, 'up/sha512');
    await patch(chunked, DATA.subarray(0, 10), '0-9');
    await patch(chunked, DATA.subarray(10), '10-29');
    const done = await fetch(withQuery(chunked, { digest }), { method: 'PUT' });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), digest);
    assert.deepEqual(await blobBytes('up/sha512', digest), DATA);

    const other = Buffer.from('sha512 monolithic');
    const mono = await startUpload(berth.url, 'up/sha512');
    assert.equal((await fetch(withQuery(mono, { digest: sha512(other) }), { method: 'PUT', body: body(other) })).status, 201);
    assert.deepEqual(await blobBytes('up/sha512', sha512(other)), other);

    const single = await fetch(`${berth.url}/v2/up/sha512/blobs/uploads/?digest=${sha512('one post')}`, { method: 'POST', body: 'one post' });
    assert.equal(single.status, 201);
    assert.equal((await blobBytes('up/sha512', sha512('one post'))).toString(), 'one post');
  });

  it('an upload id is unknown under another repository, and the session is untouched', async () => {
    const location = await startUpload(berth.url, 'up/owner');
    await patch(location, DATA.subarray(0, 10), '0-9');
    const id = location.pathname.split('/').at(-1)!;
    const foreign = new URL(`/v2/up/intruder/blobs/uploads/${id}`, berth.url);
    await expectOciError(await fetch(foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await patch(foreign, DATA.subarray(10, 20), '10-19'), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await fetch(withQuery(foreign, { digest: sha256(DATA.subarray(0, 10)) }), { method: 'PUT' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await fetch(foreign, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectOciError(await fetch(`${berth.url}/v2/up/intruder/blobs/${sha256(DATA.subarray(0, 10))}`), 404, 'BLOB_UNKNOWN');
    const status = await fetch(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-9');
  });

  it('unknown and malformed upload ids are 404 BLOB_UPLOAD_UNKNOWN', async () => {
    await expectOciError(await fetch(`${berth.url}/v2/up/a/blobs/uploads/${randomUUID()}`), 404, 'BLOB_UPLOAD_UNKNOWN');
    const traversal = await rawRequest(berth.url, { method: 'PATCH', path: '/v2/up/a/blobs/uploads/..%2F..%2Fberth.db', body: 'x' });
    assert.equal(traversal.status, 404);
    assert.equal(JSON.parse(traversal.body.toString()).errors[0].code, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('an empty (0-byte) blob can be pushed by single POST and by session, and is served with length 0', async () => {
    const single = await fetch(`${berth.url}/v2/up/empty/blobs/uploads/?digest=${EMPTY_SHA256}`, { method: 'POST' });
    assert.equal(single.status, 201);
    const session = await startUpload(berth.url, 'up/empty2');
    assert.equal((await fetch(withQuery(session, { digest: EMPTY_SHA256 }), { method: 'PUT' })).status, 201);
    for (const repo of ['up/empty', 'up/empty2']) {
      const head = await rawRequest(berth.url, { method: 'HEAD', path: `/v2/${repo}/blobs/${EMPTY_SHA256}` });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], '0');
      assert.equal((await blobBytes(repo, EMPTY_SHA256)).length, 0);
    }
  });

  describe('cross-repository mount', () => {
    let digest: string;
    before(async () => {
      digest = await pushBlob(berth.url, 'mount/source', 'mountable layer');
    });

    it('?mount=&from= with the blob in `from` is 201 with Location and Docker-Content-Digest', async () => {
      const res = await fetch(`${berth.url}/v2/mount/target/blobs/uploads/?mount=${digest}&from=mount/source`, { method: 'POST' });
      assertBlobCreated(res, 'mount/target', digest);
      assert.equal((await blobBytes('mount/target', digest)).toString(), 'mountable layer');
    });

    it('falls back to a normal upload session (202) when `from` lacks the blob', async () => {
      const missing = sha256('nowhere');
      const res = await fetch(`${berth.url}/v2/mount/fallback/blobs/uploads/?mount=${missing}&from=mount/source`, { method: 'POST' });
      assert.equal(res.status, 202);
      assert.equal(res.headers.get('range'), '0-0');
      const location = new URL(res.headers.get('location')!, berth.url);
      assert.match(location.pathname, /^\/v2\/mount\/fallback\/blobs\/uploads\/[0-9a-f-]{36}$/);
      assert.equal((await fetch(withQuery(location, { digest: sha256('late bytes') }), { method: 'PUT', body: 'late bytes' })).status, 201);
    });

    it('with `from` naming a repository without the blob, a copy elsewhere is not used', async () => {
      await pushBlob(berth.url, 'mount/empty-source', 'unrelated');
      const res = await fetch(`${berth.url}/v2/mount/strict/blobs/uploads/?mount=${digest}&from=mount/empty-source`, { method: 'POST' });
      assert.equal(res.status, 202);
      await expectOciError(await fetch(`${berth.url}/v2/mount/strict/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });

    it('`mount` without `from` mounts automatically when any repository holds the blob', async () => {
      const res = await fetch(`${berth.url}/v2/mount/auto/blobs/uploads/?mount=${digest}`, { method: 'POST' });
      assertBlobCreated(res, 'mount/auto', digest);
      assert.equal((await blobBytes('mount/auto', digest)).toString(), 'mountable layer');
      const none = await fetch(`${berth.url}/v2/mount/auto/blobs/uploads/?mount=${sha256('held nowhere')}`, { method: 'POST' });
      assert.equal(none.status, 202);
    });

    it('an invalid mount digest is 400 DIGEST_INVALID; an invalid `from` falls back to an upload', async () => {
      await expectOciError(await fetch(`${berth.url}/v2/mount/bad/blobs/uploads/?mount=sha256:nope&from=mount/source`, { method: 'POST' }), 400, 'DIGEST_INVALID');
      const res = await fetch(`${berth.url}/v2/mount/bad/blobs/uploads/?mount=${digest}&from=../mount/source`, { method: 'POST' });
      assert.equal(res.status, 202);
    });
  });
});
