import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { filesUnder, randomBlob, waitFor } from './fs-probe.ts';
import { ociCodes, responseOf, streamedRequest } from './raw-http.ts';
import { assertBlobServed, finishUpload, startUpload } from './registry-probe.ts';

const KIB = 1024;

/**
 * Abandoned uploads are swept: with a short expiry an idle session disappears with its bytes, while a session
 * that is being written to (one long request, or a stream of chunks) is never swept from under its client.
 * The sweep's timing is observed, never asserted: each test waits for an idle session to go first.
 */
describe('abandoned uploads expire', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  const uploadsDir = () => join(berth.dataDir, 'uploads');

  before(async () => {
    berth = await startBerthProcess({ env: { BERTH_UPLOADS__EXPIRE_AFTER: '3s', BERTH_UPLOADS__SWEEP_EVERY: '200ms' } });
  });
  after(() => berth.stop());

  async function uploadStatus(location: string): Promise<Response> {
    const res = await fetch(new URL(location, berth.url));
    return res;
  }

  /** Waits until the session at `location` answers 404 BLOB_UPLOAD_UNKNOWN. */
  async function waitSwept(location: string): Promise<void> {
    await waitFor('the idle session to be swept', async () => {
      const res = await uploadStatus(location);
      const body = await res.text();
      return res.status === 404 && ociCodes(body).includes('BLOB_UPLOAD_UNKNOWN');
    });
  }

  async function idleSessionWithBytes(repo: string): Promise<{ location: string; id: string }> {
    const session = await startUpload(berth.url, repo);
    const patch = await fetch(new URL(session.location, berth.url), { method: 'PATCH', body: randomBlob(100 * KIB).bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(patch.status, 202);
    assert.ok((await filesUnder(uploadsDir())).includes(session.id), 'the chunk should be on disk before the sweep');
    return session;
  }

  it('an idle session becomes 404 BLOB_UPLOAD_UNKNOWN and its bytes are deleted', async () => {
    const { location, id } = await idleSessionWithBytes('expiry/idle');
    await waitSwept(location);
    assert.ok(!(await filesUnder(uploadsDir())).includes(id), 'the swept session left its bytes in uploads/');

    const patch = await fetch(new URL(location, berth.url), { method: 'PATCH', body: 'late', headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(patch.status, 404);
    assert.deepEqual(ociCodes(await patch.text()), ['BLOB_UPLOAD_UNKNOWN']);
  });

  it('a session with a request in flight is not swept, even when it outlives the expiry', async () => {
    const repo = 'expiry/in-flight';
    const { bytes, digest } = randomBlob(512 * KIB);
    const active = await startUpload(berth.url, repo);
    const req = streamedRequest(berth.url, 'PATCH', active.location, { 'content-length': bytes.length });
    const piece = 16 * KIB;
    let sent = 0;
    await req.write(bytes.subarray(0, piece));
    sent = piece;
    // An idle session opened after the active one was last touched: once it is swept, so would the active
    // one have been, were its request not in flight.
    const idle = await idleSessionWithBytes(repo);
    await waitFor('the idle session to be swept while the PATCH streams', async () => {
      if (sent < bytes.length - piece) {
        await req.write(bytes.subarray(sent, sent + piece));
        sent += piece;
      }
      const res = await uploadStatus(idle.location);
      await res.arrayBuffer();
      return res.status === 404;
    });
    await req.write(bytes.subarray(sent));
    req.end();
    const patched = responseOf(await req.outcome);
    assert.equal(patched.status, 202, patched.body);
    assert.equal(patched.headers.range, `0-${bytes.length - 1}`);

    await finishUpload(berth.url, patched.headers.location!, digest, bytes);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });

  it('a session receiving one chunk after another is not swept', async () => {
    const repo = 'expiry/chunks';
    const { bytes, digest } = randomBlob(256 * KIB);
    const active = await startUpload(berth.url, repo);
    const idle = await idleSessionWithBytes(repo);
    const piece = 4 * KIB;
    let sent = 0;
    let location = active.location;
    await waitFor('the idle session to be swept while chunks arrive', async () => {
      if (sent < bytes.length - piece) {
        const res = await fetch(new URL(location, berth.url), {
          method: 'PATCH',
          body: bytes.subarray(sent, sent + piece),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${sent}-${sent + piece - 1}` },
        });
        assert.equal(res.status, 202, `chunk at ${sent}: ${await res.text()}`);
        location = res.headers.get('location')!;
        sent += piece;
      }
      const res = await uploadStatus(idle.location);
      await res.arrayBuffer();
      return res.status === 404;
    });
    await finishUpload(berth.url, location, digest, bytes, sent);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });

  it('the bytes of a single-request push cut by a crash are swept after the restart', async () => {
    const { bytes, digest } = randomBlob(2 * 1024 * KIB);
    const before = new Set(await filesUnder(uploadsDir()));
    const req = streamedRequest(berth.url, 'POST', `/v2/expiry/crash/blobs/uploads/?digest=${digest}`, { 'content-length': bytes.length });
    await req.write(bytes.subarray(0, 256 * KIB));
    const orphan = await waitFor('the monolithic body on disk', async () => (await filesUnder(uploadsDir())).find((f) => !before.has(f)));
    await berth.kill('SIGKILL');
    await req.outcome;
    await berth.restart();
    await waitFor('the orphaned upload area to be swept', async () => !(await filesUnder(uploadsDir())).includes(orphan));
  });
});
