import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { pushBlob, pushImage, type PushedImage } from '../../helpers/oci-client.ts';
import { filesUnder, randomBlob } from './fs-probe.ts';
import { responseOf, send } from './raw-http.ts';
import { assertBlobAbsent, assertBlobServed, assertServing, startUpload } from './registry-probe.ts';

const MIB = 1024 * 1024;
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** Mounts a tmpfs of `size` at `dir`; throws with the reason when this machine does not allow it. */
function mountTmpfs(dir: string, size: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`the disk-full test needs a small tmpfs and could not mount one at ${dir} (it must run as root with mount permitted): ${stderr || (err as Error).message}`);
  }
}

function isMounted(dir: string): boolean {
  try {
    execFileSync('mountpoint', ['-q', dir]);
    return true;
  } catch {
    return false;
  }
}

/** A 507 with the OCI error envelope saying the storage is full. */
function assertStorageFull(status: number, body: string): void {
  assert.equal(status, 507, `expected 507 Insufficient Storage, got ${status}: ${body}`);
  const parsed = JSON.parse(body) as { errors: { code: string; message: string }[] };
  assert.equal(parsed.errors.length, 1);
  assert.equal(typeof parsed.errors[0]!.code, 'string');
  assert.match(parsed.errors[0]!.message, /insufficient storage|storage is full|disk is full/i);
}

/**
 * Blob storage on an 8 MiB tmpfs, metadata elsewhere: a push that does not fit fails with 507 and an OCI
 * error, the registry keeps serving what it has, leaves no half blob behind, and accepts pushes again once
 * the failed upload is gone.
 */
describe('disk full', { timeout: 600_000 }, () => {
  let dataDir: string;
  let storeDir: string;
  let berth: BerthProcess | undefined;
  let earlier: PushedImage;
  const repo = 'full/app';
  const earlierLayer = randomBlob(2 * MIB);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-full-'));
    storeDir = join(dataDir, 'store');
    await mkdir(storeDir);
    mountTmpfs(storeDir, '8m');
    berth = await startBerthProcess({
      dataDir,
      config: { storage: { driver: 'filesystem', root: storeDir }, metadata: { driver: 'sqlite', path: join(dataDir, 'meta', 'berth.db') } },
    });
    earlier = await pushImage(berth.url, repo, 'earlier', ['small layer']);
    assert.equal(await pushBlob(berth.url, repo, earlierLayer.bytes), earlierLayer.digest);
  });

  after(async () => {
    await berth?.stop();
    if (storeDir && isMounted(storeDir)) execFileSync('umount', [storeDir]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function assertEarlierIntact(): Promise<void> {
    const res = await fetch(`${berth!.url}/v2/${repo}/manifests/earlier`, { headers: { accept: MANIFEST_TYPE } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), earlier.manifest);
    await assertBlobServed(berth!.url, repo, earlierLayer.digest, earlierLayer.bytes, storeDir);
    for (const digest of [earlier.config, ...earlier.layers]) {
      const blob = await fetch(`${berth!.url}/v2/${repo}/blobs/${digest}`);
      assert.equal(blob.status, 200);
      assert.equal(blob.headers.get('docker-content-digest'), digest);
      await blob.arrayBuffer();
    }
  }

  it('a single-request push bigger than the free space gets 507 and leaves nothing behind', async () => {
    const huge = randomBlob(12 * MIB);
    const res = responseOf(await send(berth!.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${huge.digest}`, huge.bytes));
    assertStorageFull(res.status, res.body);

    await assertServing(berth!.url);
    await assertBlobAbsent(berth!.url, repo, huge.digest, storeDir);
    assert.deepEqual(await filesUnder(join(storeDir, 'uploads')), [], 'the failed push left bytes in uploads/');
    await assertEarlierIntact();

    // The failed push freed its space itself: the next one fits.
    const next = randomBlob(3 * MIB);
    assert.equal(await pushBlob(berth!.url, repo, next.bytes), next.digest);
    await assertBlobServed(berth!.url, repo, next.digest, next.bytes, storeDir);
  });

  it('a chunk bigger than the free space gets 507; deleting the upload frees the space for a new push', async () => {
    const huge = randomBlob(12 * MIB);
    const { location, id } = await startUpload(berth!.url, repo);
    const res = responseOf(await send(berth!.url, 'PATCH', location, huge.bytes));
    assertStorageFull(res.status, res.body);
    await assertServing(berth!.url);
    await assertEarlierIntact();

    // Completing the cut upload with the full blob's digest cannot succeed.
    const put = await fetch(new URL(`${location}?digest=${huge.digest}`, berth!.url), { method: 'PUT' });
    assert.equal(put.status, 400, await put.text());
    await assertBlobAbsent(berth!.url, repo, huge.digest, storeDir);

    // 5 MiB of 8 are used by now. A fresh session fills the rest; cancelling it makes room again.
    const again = await startUpload(berth!.url, repo);
    const fill = responseOf(await send(berth!.url, 'PATCH', again.location, huge.bytes));
    assertStorageFull(fill.status, fill.body);
    const blocked = randomBlob(2 * MIB);
    const refused = responseOf(await send(berth!.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${blocked.digest}`, blocked.bytes));
    assertStorageFull(refused.status, refused.body);

    const cancel = await fetch(new URL(again.location, berth!.url), { method: 'DELETE' });
    assert.equal(cancel.status, 204);
    assert.ok(!(await filesUnder(join(storeDir, 'uploads'))).includes(again.id), 'the cancelled upload kept its bytes');
    assert.ok(!(await filesUnder(join(storeDir, 'uploads'))).includes(id), 'the failed upload kept its bytes');

    assert.equal(await pushBlob(berth!.url, repo, blocked.bytes), blocked.digest);
    await assertBlobServed(berth!.url, repo, blocked.digest, blocked.bytes, storeDir);
    await assertEarlierIntact();
  });
});
