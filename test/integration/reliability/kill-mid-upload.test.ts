import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { pushBlob } from '../../helpers/oci-client.ts';
import { filesUnder, randomBlob, uploadBytesOnDisk, waitFor } from './fs-probe.ts';
import { streamedRequest } from './raw-http.ts';
import { assertBlobAbsent, assertBlobServed, finishUpload, startUpload, withDigest } from './registry-probe.ts';

const MIB = 1024 * 1024;
const BLOB_BYTES = 24 * MIB;
const SENT_BEFORE_KILL = 4 * MIB;

/**
 * SIGKILL while an upload body is streaming: after a restart on the same data directory nothing of the blob is
 * visible, no blob file exists for it, and a fresh push of the same content works and reads back identical.
 */
describe('kill -9 in the middle of a blob upload', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerthProcess();
  });
  after(() => berth.stop());

  async function killWhileStreaming(method: string, path: string, headers: Record<string, string | number>, bytes: Buffer, uploadId: string): Promise<void> {
    const req = streamedRequest(berth.url, method, path, { 'content-length': bytes.length, ...headers });
    await req.write(bytes.subarray(0, SENT_BEFORE_KILL));
    // Kill only once the server is really writing this body, not before it saw the request.
    await waitFor('part of the body on disk', async () => (await uploadBytesOnDisk(berth.dataDir, uploadId)) > 0);
    const exit = await berth.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL', berth.output());
    const outcome = await req.outcome;
    assert.equal(outcome.kind, 'error', 'a request cut by the kill cannot have been answered');
    await berth.restart();
  }

  async function redoAndPull(repo: string, bytes: Buffer, digest: string): Promise<void> {
    assert.equal(await pushBlob(berth.url, repo, bytes), digest);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  }

  it('a chunked PATCH cut by SIGKILL leaves no blob, and the push can be redone', async () => {
    const repo = 'crash/chunked';
    const { bytes, digest } = randomBlob(BLOB_BYTES);
    const { location, id } = await startUpload(berth.url, repo);
    await killWhileStreaming('PATCH', location, { 'content-range': `0-${bytes.length - 1}` }, bytes, id);

    await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
    await redoAndPull(repo, bytes, digest);

    // The cut session itself is intact too: it reports what reached the disk and can be finished from there.
    const status = await fetch(new URL(location, berth.url));
    assert.equal(status.status, 204);
    const kept = await uploadBytesOnDisk(berth.dataDir, id);
    assert.ok(kept > 0 && kept <= SENT_BEFORE_KILL, `kept ${kept} bytes of ${SENT_BEFORE_KILL} sent`);
    assert.equal(status.headers.get('range'), `0-${kept - 1}`);
    await finishUpload(berth.url, location, digest, bytes, kept);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });

  it('a monolithic PUT on a session cut by SIGKILL leaves no blob, and the push can be redone', async () => {
    const repo = 'crash/put';
    const { bytes, digest } = randomBlob(BLOB_BYTES);
    const { location, id } = await startUpload(berth.url, repo);
    await killWhileStreaming('PUT', withDigest(location, digest), {}, bytes, id);

    await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
    // The interrupted session cannot be completed with the digest of bytes it never received whole.
    const put = await fetch(new URL(withDigest(location, digest), berth.url), { method: 'PUT' });
    assert.equal(put.status, 400);
    assert.equal(((await put.json()) as { errors: { code: string }[] }).errors[0]?.code, 'DIGEST_INVALID');
    await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
    await redoAndPull(repo, bytes, digest);
  });

  it('a single-request POST ?digest= cut by SIGKILL leaves no blob, and the push can be redone', async () => {
    const repo = 'crash/post';
    const { bytes, digest } = randomBlob(BLOB_BYTES);
    const before = new Set(await filesUnder(join(berth.dataDir, 'uploads')));
    const req = streamedRequest(berth.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { 'content-length': bytes.length });
    await req.write(bytes.subarray(0, SENT_BEFORE_KILL));
    const fresh = async () => (await filesUnder(join(berth.dataDir, 'uploads'))).filter((f) => !before.has(f));
    await waitFor('the monolithic body on disk', async () => {
      const [name] = await fresh();
      return name !== undefined && (await uploadBytesOnDisk(berth.dataDir, name)) > 0;
    });
    await berth.kill('SIGKILL');
    assert.equal((await req.outcome).kind, 'error');
    await berth.restart();

    await assertBlobAbsent(berth.url, repo, digest, berth.dataDir);
    await redoAndPull(repo, bytes, digest);
  });

  it('blobs pushed before the kills are still served intact', async () => {
    const repo = 'crash/survivor';
    const { bytes, digest } = randomBlob(3 * MIB);
    await pushBlob(berth.url, repo, bytes);
    await berth.kill('SIGKILL');
    await berth.restart();
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });
});
