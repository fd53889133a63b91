import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { pushBlob, sha256 } from '../../helpers/oci-client.ts';
import { filesUnder, randomBlob, uploadBytesOnDisk, waitFor } from './fs-probe.ts';
import { ociCodes, rawExchange, responseOf, send, streamedRequest } from './raw-http.ts';
import { assertBlobAbsent, assertBlobServed, assertServing, finishUpload, startUpload, withDigest } from './registry-probe.ts';

const KIB = 1024;
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** The status line of a raw HTTP response, e.g. `HTTP/1.1 400 Bad Request`. */
function statusLine(raw: string): string {
  return raw.split('\r\n', 1)[0] ?? '';
}

/**
 * Malformed, lying or vanishing clients get the right error (or a closed connection), never take the server
 * down, and never leave a blob or an upload half-visible. After every test GET /v2/ must still answer 200.
 */
describe('bad input keeps the server serving', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  let port: number;
  const uploadsDir = () => join(berth.dataDir, 'uploads');
  /** Upload areas that appeared since `before` (other tests leave open sessions behind on purpose). */
  const newUploads = async (before: Set<string>) => (await filesUnder(uploadsDir())).filter((f) => !before.has(f));

  before(async () => {
    berth = await startBerthProcess();
    port = Number(new URL(berth.url).port);
  });
  afterEach(async () => {
    await assertServing(berth.url);
  });
  after(async () => {
    const exit = await berth.kill('SIGTERM');
    assert.equal(exit.code, 0, `the server should still be running and stop cleanly:\n${berth.output()}`);
    await berth.stop();
  });

  describe('manifests', () => {
    const repo = 'bad/manifests';
    let config: string;
    before(async () => {
      config = await pushBlob(berth.url, repo, '{"os":"linux","architecture":"amd64"}');
    });

    async function putManifest(ref: string, body: string, contentType = MANIFEST_TYPE) {
      return responseOf(await send(berth.url, 'PUT', `/v2/${repo}/manifests/${ref}`, body, { 'content-type': contentType }));
    }

    const goodManifest = (layerDigest: string, layerSize: number) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 37 },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layerSize }],
      });

    for (const [name, body] of [
      ['truncated JSON', '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {'],
      ['not JSON at all', '\u0000\u0001binary garbage'],
      ['a JSON array', '[]'],
      ['layers that are not a list', JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, config: {}, layers: 'nope' })],
      ['an empty body', ''],
    ] as const) {
      it(`rejects ${name} with 400 MANIFEST_INVALID and stores nothing`, async () => {
        const res = await putManifest('broken', body);
        assert.equal(res.status, 400, res.body);
        assert.deepEqual(ociCodes(res.body), ['MANIFEST_INVALID']);
        const get = await fetch(`${berth.url}/v2/${repo}/manifests/broken`, { headers: { accept: MANIFEST_TYPE } });
        assert.equal(get.status, 404);
        await get.arrayBuffer();
      });
    }

    it('rejects a manifest naming a blob the repository lacks with 400 MANIFEST_BLOB_UNKNOWN', async () => {
      const res = await putManifest('dangling', goodManifest(sha256('never pushed'), 12));
      assert.equal(res.status, 400, res.body);
      assert.deepEqual(ociCodes(res.body), ['MANIFEST_BLOB_UNKNOWN']);
    });

    it('rejects a manifest pushed to a digest it does not have with 400 DIGEST_INVALID', async () => {
      const layer = await pushBlob(berth.url, repo, 'a layer');
      const body = goodManifest(layer, 7);
      const res = await putManifest(sha256(body + ' '), body);
      assert.equal(res.status, 400, res.body);
      assert.deepEqual(ociCodes(res.body), ['DIGEST_INVALID']);
      const get = await fetch(`${berth.url}/v2/${repo}/manifests/${sha256(body)}`, { headers: { accept: MANIFEST_TYPE } });
      assert.equal(get.status, 404);
      await get.arrayBuffer();
    });
  });

  describe('wrong digests', () => {
    const repo = 'bad/digests';

    it('a PUT whose digest does not match the bytes gets 400 DIGEST_INVALID; neither blob nor upload remains', async () => {
      const { bytes, digest } = randomBlob(300 * KIB);
      const claimed = sha256('something else');
      const { location, id } = await startUpload(berth.url, repo);
      const res = responseOf(await send(berth.url, 'PUT', withDigest(location, claimed), bytes));
      assert.equal(res.status, 400, res.body);
      assert.deepEqual(ociCodes(res.body), ['DIGEST_INVALID']);
      await assertBlobAbsent(berth.url, repo, claimed, berth.dataDir);
      await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
      assert.ok(!(await filesUnder(uploadsDir())).includes(id), 'the rejected upload kept its bytes');
      const status = await fetch(new URL(location, berth.url));
      assert.equal(status.status, 404);
      assert.deepEqual(ociCodes(await status.text()), ['BLOB_UPLOAD_UNKNOWN']);
    });

    it('a single-request push with a wrong digest gets 400 DIGEST_INVALID and leaves no upload bytes', async () => {
      const { bytes, digest } = randomBlob(200 * KIB);
      const claimed = sha256('not these bytes');
      const before = new Set(await filesUnder(uploadsDir()));
      const res = responseOf(await send(berth.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${claimed}`, bytes));
      assert.equal(res.status, 400, res.body);
      assert.deepEqual(ociCodes(res.body), ['DIGEST_INVALID']);
      await assertBlobAbsent(berth.url, repo, claimed, berth.dataDir);
      await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
      assert.deepEqual(await newUploads(before), [], 'the rejected push left bytes in uploads/');
    });

    for (const bogus of ['sha256:xyz', 'md5:d41d8cd98f00b204e9800998ecf8427e', 'sha256:' + 'A'.repeat(64), '']) {
      it(`a malformed digest ${JSON.stringify(bogus)} is refused with 400 DIGEST_INVALID`, async () => {
        const { location } = await startUpload(berth.url, repo);
        const res = responseOf(await send(berth.url, 'PUT', `${location}?digest=${encodeURIComponent(bogus)}`, 'content'));
        assert.equal(res.status, 400, res.body);
        assert.deepEqual(ociCodes(res.body), ['DIGEST_INVALID']);
      });
    }
  });

  describe('lying framing', () => {
    const repo = 'bad/framing';

    it('a single-request push with a short body and a closed connection leaves nothing behind', async () => {
      const { bytes, digest } = randomBlob(64 * KIB);
      const before = new Set(await filesUnder(uploadsDir()));
      const head = `POST /v2/${repo}/blobs/uploads/?digest=${digest} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes.length * 2}\r\n\r\n`;
      const reply = await rawExchange(port, Buffer.concat([Buffer.from(head), bytes]), { halfClose: true });
      assert.ok(reply.isClosedByServer, 'the server should close a connection whose body never completes');
      assert.ok(reply.text === '' || /^HTTP\/1\.1 4\d\d/.test(statusLine(reply.text)), `unexpected answer: ${statusLine(reply.text)}`);
      await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
      await waitFor('the cut upload bytes to be deleted', async () => (await newUploads(before)).length === 0);
    });

    it('a PATCH with a short body keeps what arrived, reports it in Range, and the upload can be finished', async () => {
      const { bytes, digest } = randomBlob(96 * KIB);
      const { location, id } = await startUpload(berth.url, repo);
      const sent = 40 * KIB;
      const head = `PATCH ${location} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes.length}\r\n\r\n`;
      const reply = await rawExchange(port, Buffer.concat([Buffer.from(head), bytes.subarray(0, sent)]), { halfClose: true });
      assert.ok(reply.isClosedByServer);

      // However much of the cut chunk was kept, Range must say exactly that, and resuming from there works.
      // ("0-0" is how the protocol says both "empty" and "one byte": the disk tells which.)
      const kept = await waitFor('the cut PATCH to finish on the server', async () => {
        const res = await fetch(new URL(location, berth.url));
        await res.arrayBuffer();
        if (res.status !== 204) return undefined;
        const onDisk = await uploadBytesOnDisk(berth.dataDir, id);
        const range = res.headers.get('range');
        return range === `0-${Math.max(onDisk - 1, 0)}` ? { onDisk } : undefined;
      });
      assert.ok(kept.onDisk <= sent, `the upload kept ${kept.onDisk} bytes but only ${sent} were sent`);
      const resumeFrom = kept.onDisk;
      await finishUpload(berth.url, location, digest, bytes, resumeFrom);
      await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
    });

    it('bogus Content-Range values get 416 with the current Range, and the session stays usable', async () => {
      const { bytes, digest } = randomBlob(8 * KIB);
      const { location } = await startUpload(berth.url, repo);
      const first = await fetch(new URL(location, berth.url), { method: 'PATCH', body: bytes.subarray(0, KIB), headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${KIB - 1}` } });
      assert.equal(first.status, 202);
      for (const [range, body] of [
        ['abc', bytes.subarray(KIB, 2 * KIB)],
        ['2047-1024', bytes.subarray(KIB, 2 * KIB)],
        ['1024-99999999999999999999999', bytes.subarray(KIB, 2 * KIB)],
        ['0-1023', bytes.subarray(0, KIB)],
        ['4096-5119', bytes.subarray(4 * KIB, 5 * KIB)],
        ['1024-1033', bytes.subarray(KIB, 2 * KIB)],
        ['-5', bytes.subarray(KIB, 2 * KIB)],
      ] as const) {
        const res = responseOf(await send(berth.url, 'PATCH', location, body, { 'content-range': range }));
        assert.equal(res.status, 416, `Content-Range ${range}: ${res.body}`);
        assert.deepEqual(ociCodes(res.body), ['BLOB_UPLOAD_INVALID'], `Content-Range ${range}`);
        const status = await fetch(new URL(location, berth.url));
        assert.equal(status.headers.get('range'), `0-${KIB - 1}`, `after Content-Range ${range} the upload must be unchanged`);
      }
      await finishUpload(berth.url, location, digest, bytes, KIB);
      await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
    });
  });

  describe('broken HTTP', () => {
    it('garbage instead of a request line gets 400 and a closed connection', async () => {
      const reply = await rawExchange(port, 'THIS IS NOT HTTP\r\n\u0001\u0002\u0003\r\n\r\n');
      assert.ok(reply.isClosedByServer);
      assert.match(statusLine(reply.text), /^HTTP\/1\.1 400 /);
    });

    it('random binary junk gets at most a 400 and a closed connection', async () => {
      const reply = await rawExchange(port, randomBlob(4 * KIB).bytes);
      assert.ok(reply.isClosedByServer);
      assert.ok(reply.text === '' || /^HTTP\/1\.1 400 /.test(statusLine(reply.text)), statusLine(reply.text));
    });

    it('a 100 KiB header gets 431 and a closed connection', async () => {
      const reply = await rawExchange(port, `GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(100 * KIB)}\r\n\r\n`);
      assert.ok(reply.isClosedByServer);
      assert.match(statusLine(reply.text), /^HTTP\/1\.1 431 /);
      assert.deepEqual(ociCodes(reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4)), ['SIZE_INVALID']);
    });

    it('a client that disconnects mid-body leaves no blob and no stray upload bytes', async () => {
      const repo = 'bad/vanishing';
      const { bytes, digest } = randomBlob(2 * 1024 * KIB);
      const before = new Set(await filesUnder(uploadsDir()));
      const req = streamedRequest(berth.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { 'content-length': bytes.length });
      await req.write(bytes.subarray(0, 512 * KIB));
      await waitFor('part of the body on disk', async () => {
        const [area] = await newUploads(before);
        return area !== undefined && (await uploadBytesOnDisk(berth.dataDir, area)) > 0;
      });
      req.destroy();
      assert.equal((await req.outcome).kind, 'error');
      await waitFor('the abandoned bytes to be deleted', async () => (await newUploads(before)).length === 0);
      await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);

      // And the same push, done properly, works.
      assert.equal(await pushBlob(berth.url, repo, bytes), digest);
      await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
    });
  });
});
