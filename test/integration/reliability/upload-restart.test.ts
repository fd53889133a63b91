import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { randomBlob, uploadBytesOnDisk, waitFor } from './fs-probe.ts';
import { streamedRequest } from './raw-http.ts';
import { assertBlobServed, finishUpload, startUpload } from './registry-probe.ts';

const MIB = 1024 * 1024;

async function patchChunk(base: string, location: string, bytes: Buffer<ArrayBuffer>, start: number): Promise<Response> {
  const res = await fetch(new URL(location, base), {
    method: 'PATCH',
    body: bytes,
    headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + bytes.length - 1}` },
  });
  await res.arrayBuffer();
  return res;
}

/**
 * An upload session is state on disk and in the metadata store, not in the process: a client that pushed
 * half a layer before the registry restarted (gracefully or not) resumes where it was.
 */
describe('upload sessions survive a restart', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerthProcess();
  });
  after(() => berth.stop());

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`resumes a chunked upload after ${signal} and a restart`, async () => {
      const repo = `resume/${signal.toLowerCase()}`;
      const { bytes, digest } = randomBlob(5 * MIB + 12_345);
      const cuts = [0, 2 * MIB, 3 * MIB + 7, bytes.length];
      const { location, id } = await startUpload(berth.url, repo);

      // Two chunks before the restart.
      let current = location;
      for (const i of [0, 1]) {
        const res = await patchChunk(berth.url, current, bytes.subarray(cuts[i], cuts[i + 1]), cuts[i]!);
        assert.equal(res.status, 202);
        assert.equal(res.headers.get('range'), `0-${cuts[i + 1]! - 1}`);
        current = res.headers.get('location')!;
      }

      const exit = await berth.kill(signal);
      if (signal === 'SIGTERM') assert.equal(exit.code, 0, `graceful shutdown should exit 0:\n${berth.output()}`);
      else assert.equal(exit.signal, 'SIGKILL');
      await berth.restart();

      const status = await fetch(new URL(current, berth.url));
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), `0-${cuts[2]! - 1}`, 'the bytes uploaded before the restart');
      assert.equal(status.headers.get('docker-upload-uuid'), id);

      const rest = await patchChunk(berth.url, status.headers.get('location')!, bytes.subarray(cuts[2]), cuts[2]!);
      assert.equal(rest.status, 202);
      assert.equal(rest.headers.get('range'), `0-${bytes.length - 1}`);

      await finishUpload(berth.url, rest.headers.get('location')!, digest, bytes);
      await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);

      // The completed session is gone.
      const gone = await fetch(new URL(location, berth.url));
      assert.equal(gone.status, 404);
      assert.equal(((await gone.json()) as { errors: { code: string }[] }).errors[0]?.code, 'BLOB_UPLOAD_UNKNOWN');
    });
  }

  it('a session restarted twice with the final chunk sent on the PUT still verifies its digest', async () => {
    const repo = 'resume/twice';
    const { bytes, digest } = randomBlob(3 * MIB);
    const { location } = await startUpload(berth.url, repo);
    assert.equal((await patchChunk(berth.url, location, bytes.subarray(0, MIB), 0)).status, 202);
    await berth.kill('SIGKILL');
    await berth.restart();
    assert.equal((await patchChunk(berth.url, location, bytes.subarray(MIB, 2 * MIB), MIB)).status, 202);
    await berth.kill('SIGTERM');
    await berth.restart();

    await finishUpload(berth.url, location, digest, bytes, 2 * MIB);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });

  it('SIGTERM with a stalled upload in flight still exits cleanly, and the upload resumes after the restart', async () => {
    const repo = 'resume/stalled';
    const { bytes, digest } = randomBlob(4 * MIB);
    const { location, id } = await startUpload(berth.url, repo);
    // The client sends a first MiB of a 4 MiB chunk, then hangs without closing the connection.
    const stalled = streamedRequest(berth.url, 'PATCH', location, { 'content-length': bytes.length });
    await stalled.write(bytes.subarray(0, MIB));
    await waitFor('the stalled chunk to reach the disk', async () => (await uploadBytesOnDisk(berth.dataDir, id)) > 0);

    const exit = await Promise.race([
      berth.kill('SIGTERM'),
      new Promise<'hung'>((done) => setTimeout(() => done('hung'), 120_000).unref()),
    ]);
    assert.notEqual(exit, 'hung', `a stalled client kept the server from shutting down:\n${berth.output()}`);
    assert.equal(exit !== 'hung' && exit.code, 0, berth.output());
    assert.equal((await stalled.outcome).kind, 'error', 'the stalled request cannot have completed');
    await berth.restart();

    const status = await fetch(new URL(location, berth.url));
    assert.equal(status.status, 204);
    const kept = await uploadBytesOnDisk(berth.dataDir, id);
    assert.ok(kept <= MIB, `the upload kept ${kept} bytes but only ${MIB} were sent`);
    assert.equal(status.headers.get('range'), `0-${Math.max(kept - 1, 0)}`);
    await finishUpload(berth.url, location, digest, bytes, kept);
    await assertBlobServed(berth.url, repo, digest, bytes, berth.dataDir);
  });
});
