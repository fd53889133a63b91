import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { filesUnder, randomBlob } from './fs-probe.ts';
import { assertBlobServed, startUpload, withDigest } from './registry-probe.ts';
import { fdPath, quotedPaths, StraceSession, type TracedCall } from './strace-log.ts';

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function putWhole(base: string, location: string, bytes: Buffer<ArrayBuffer>): Promise<Response> {
  const res = await fetch(new URL(withDigest(location, sha256(bytes)), base), { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  await res.arrayBuffer();
  return res;
}

/** `count` random blobs whose digests share their first two hex digits: their files land in one folder. */
function blobsInOneFolder(count: number): Array<{ bytes: Buffer<ArrayBuffer>; digest: string }> {
  const out: Array<{ bytes: Buffer<ArrayBuffer>; digest: string }> = [];
  while (out.length < count) {
    const bytes = randomBytes(3000) as Buffer<ArrayBuffer>;
    const digest = sha256(bytes);
    if (digest.startsWith('sha256:ab')) out.push({ bytes, digest });
  }
  return out;
}

/**
 * For each blob: did its bytes reach the disk (fdatasync of its upload file), did its rename into blobs/ reach
 * the disk (an fsync of the blob's folder that started after the rename returned), and did both finish before
 * the 201 naming its digest was written to the client?
 */
function assertDurableBefore201(calls: TracedCall[], root: string, digest: string): void {
  const hex = digest.slice('sha256:'.length);
  const target = join(root, 'blobs', 'sha256', hex.slice(0, 2), hex);
  const renames = calls.filter((c) => c.name.startsWith('rename') && c.result === '0' && quotedPaths(c).at(-1) === target);
  assert.ok(renames.length >= 1, `no rename into ${target}`);
  const rename = renames[0]!;
  const upload = quotedPaths(rename)[0]!;
  assert.ok(upload.startsWith(join(root, 'uploads')), `renamed from ${upload}`);
  const reply = calls.find((c) => /^write/.test(c.name) && c.args.includes('HTTP/1.1 201') && c.args.includes(digest));
  assert.ok(reply, `no 201 written for ${digest}`);
  const dataSync = calls.find((c) => c.name === 'fdatasync' && c.result === '0' && fdPath(c) === upload && c.returnedAt < rename.enteredAt);
  assert.ok(dataSync, `${digest}: its upload file was not fdatasync'd before the rename`);
  const dirSync = calls.find((c) => c.name === 'fsync' && c.result === '0' && fdPath(c) === join(root, 'blobs', 'sha256', hex.slice(0, 2)) && c.enteredAt > rename.returnedAt);
  assert.ok(dirSync, `${digest}: no fsync of its folder after the rename`);
  assert.ok(dirSync.returnedAt < reply.enteredAt, `${digest}: the 201 was written before its folder's fsync returned`);
}

/**
 * A 201 for a blob means its bytes and its name survive a power loss. A test cannot cut the power, so it checks
 * the cause instead: the server's system calls, traced with strace, for every way to push a blob.
 */
describe('blob uploads are durable before the 201', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerthProcess();
  });
  after(() => berth.stop());

  it('monolithic PUT, single POST, chunked PATCH + PUT and concurrent pushes into one folder: fsyncs precede every 201', async () => {
    const log = join(tmpdir(), `berth-durability-${process.pid}-${Date.now()}.strace`);
    const trace = await StraceSession.attach(berth.pid, log, ['fdatasync', 'fsync', 'rename', 'renameat', 'renameat2', 'write', 'writev']);
    const repo = 'durable/blobs';
    const pushed: Array<{ bytes: Buffer<ArrayBuffer>; digest: string }> = [];
    let calls: TracedCall[] = [];
    try {
      const mono = randomBlob(5000);
      assert.equal((await putWhole(berth.url, (await startUpload(berth.url, repo)).location, mono.bytes)).status, 201);
      pushed.push(mono);

      const single = randomBlob(6000);
      const post = await fetch(`${berth.url}/v2/${repo}/blobs/uploads/?digest=${single.digest}`, { method: 'POST', body: single.bytes });
      await post.arrayBuffer();
      assert.equal(post.status, 201);
      pushed.push(single);

      const chunked = randomBlob(7000);
      const { location } = await startUpload(berth.url, repo);
      const patch = await fetch(new URL(location, berth.url), { method: 'PATCH', body: chunked.bytes, headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${chunked.bytes.length - 1}` } });
      await patch.arrayBuffer();
      assert.equal(patch.status, 202);
      const done = await fetch(new URL(withDigest(patch.headers.get('location')!, chunked.digest), berth.url), { method: 'PUT' });
      await done.arrayBuffer();
      assert.equal(done.status, 201);
      pushed.push(chunked);

      // Concurrent commits into one folder share fsyncs: each must still wait for one that covers its rename.
      const crowd = blobsInOneFolder(12);
      const statuses = await Promise.all(crowd.map(async (b) => (await putWhole(berth.url, (await startUpload(berth.url, repo)).location, b.bytes)).status));
      assert.deepEqual(statuses, crowd.map(() => 201));
      pushed.push(...crowd);
    } finally {
      calls = await trace.finish();
    }
    for (const blob of pushed) assertDurableBefore201(calls, berth.dataDir, blob.digest);
    for (const blob of pushed) await assertBlobServed(berth.url, repo, blob.digest, blob.bytes, berth.dataDir);
  });

  it('a session with no bytes yet survives kill -9: status 0-0 after the restart, then a PUT with the whole blob completes it', async () => {
    const repo = 'durable/fresh-session';
    const { location, id } = await startUpload(berth.url, repo);
    const blob = randomBlob(4096);
    await berth.kill('SIGKILL');
    await berth.restart();
    const status = await fetch(new URL(location, berth.url));
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    assert.equal(status.headers.get('docker-upload-uuid'), id);
    assert.equal((await putWhole(berth.url, location, blob.bytes)).status, 201);
    await assertBlobServed(berth.url, repo, blob.digest, blob.bytes, berth.dataDir);
  });

  it('kill -9 right after a burst of small pushes: every blob that got its 201 is served after the restart', async () => {
    const repo = 'durable/burst';
    const blobs = Array.from({ length: 48 }, () => randomBlob(2048));
    const statuses = await Promise.all(blobs.map(async (b, i) => {
      if (i % 2 === 0) return (await putWhole(berth.url, (await startUpload(berth.url, repo)).location, b.bytes)).status;
      const res = await fetch(`${berth.url}/v2/${repo}/blobs/uploads/?digest=${b.digest}`, { method: 'POST', body: b.bytes });
      await res.arrayBuffer();
      return res.status;
    }));
    assert.deepEqual(statuses, blobs.map(() => 201));
    await berth.kill('SIGKILL');
    await berth.restart();
    for (const b of blobs) await assertBlobServed(berth.url, repo, b.digest, b.bytes, berth.dataDir);
    assert.deepEqual(await filesUnder(join(berth.dataDir, 'uploads')), [], 'completed uploads leave no upload file');
  });
});
