import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { pullAndVerify, pushLikeAClient, runGc, sleep, type PushedSpec } from '../helpers/gc-kit.ts';
import { OCI_MANIFEST, pushBlob, sha256 } from '../helpers/oci-client.ts';

const REPO = 'gc/app';
/** The smallest grace period the config allows; tests wait a little longer than it. */
const GRACE = '1s';
const PAST_GRACE_MS = 1_300;

const blobPath = (dataDir: string, digest: string) => join(dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7));
const exists = (path: string) => access(path).then(() => true, () => false);
const sizeOf = (s: string) => Buffer.byteLength(s);

async function deleteTag(base: string, repo: string, tag: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'DELETE' });
  assert.equal(res.status, 202, await res.text());
}

describe('garbage collection (history window 0)', () => {
  let berth: TestBerth;
  let kept: PushedSpec;
  let gone: PushedSpec;
  let signature: { digest: string; blob: string; manifest: string };

  before(async () => {
    berth = await startTestBerth({ gc: { grace: GRACE }, versions: { historyWindow: 0 } }, { open: true });
    kept = (await pushLikeAClient(berth.url, REPO, { tag: 'kept', layers: ['shared layer', 'only in kept'] })).pushed;
    gone = (await pushLikeAClient(berth.url, REPO, { tag: 'gone', layers: ['shared layer', 'only in gone'] })).pushed;
    // A referrer of `gone` (a signature-like artifact): it goes with its subject.
    const sigBlob = 'signature payload';
    await pushBlob(berth.url, REPO, sigBlob);
    const manifest = JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [{ mediaType: 'application/vnd.example.sig', digest: sha256(sigBlob), size: sizeOf(sigBlob) }],
      subject: { mediaType: OCI_MANIFEST, digest: gone.digest, size: 1 },
    });
    const res = await fetch(`${berth.url}/v2/${REPO}/manifests/${sha256(manifest)}`, { method: 'PUT', body: manifest, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(res.status, 201, await res.text());
    signature = { digest: sha256(manifest), blob: sha256(sigBlob), manifest };
    await deleteTag(berth.url, REPO, 'gone');
    await sleep(PAST_GRACE_MS);
  });
  after(() => berth?.stop());

  it('a dry run reports what would go and removes nothing', async () => {
    const report = await runGc(berth.url, true);
    assert.ok(report);
    const goneBlobs = gone.blobs.filter((b) => b.bytes !== 'shared layer');
    assert.equal(report.dryRun, true);
    assert.equal(report.manifestLinks, 2, 'the untagged image and its referrer');
    assert.equal(report.manifests, 2);
    // The unique config and layer of `gone`, and the signature's blob; the empty config stays (the
    // signature was the only user, so it goes too).
    const expectedBlobs = [...goneBlobs.map((b) => b.digest), signature.blob, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'];
    assert.equal(report.blobs, expectedBlobs.length);
    assert.equal(report.blobBytes, goneBlobs.reduce((n, b) => n + sizeOf(b.bytes), 0) + sizeOf('signature payload') + 2);
    assert.equal(report.keptByRace, 0);
    for (const digest of expectedBlobs) assert.equal(await exists(blobPath(berth.dataDir, digest)), true, `${digest} still on disk after a dry run`);
    const byDigest = await fetch(`${berth.url}/v2/${REPO}/manifests/${gone.digest}`, { headers: { accept: OCI_MANIFEST } });
    assert.equal(byDigest.status, 200);
  });

  it('a real run frees exactly what the dry run predicted, and the kept image pulls intact', async () => {
    const predicted = await runGc(berth.url, true);
    const report = await runGc(berth.url, false);
    assert.ok(predicted && report);
    for (const field of ['manifestLinks', 'blobLinks', 'manifests', 'manifestBytes', 'blobs', 'blobBytes'] as const) {
      assert.equal(report[field], predicted[field], field);
    }
    assert.equal(report.dryRun, false);
    await pullAndVerify(berth.url, REPO, kept);
    for (const ref of [gone.digest, signature.digest]) {
      const res = await fetch(`${berth.url}/v2/${REPO}/manifests/${ref}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 404, ref);
    }
    for (const blob of gone.blobs.filter((b) => b.bytes !== 'shared layer')) {
      assert.equal((await fetch(`${berth.url}/v2/${REPO}/blobs/${blob.digest}`, { method: 'HEAD' })).status, 404);
      assert.equal(await exists(blobPath(berth.dataDir, blob.digest)), false, `${blob.digest} file deleted`);
    }
    const referrers = await (await fetch(`${berth.url}/v2/${REPO}/referrers/${gone.digest}`)).json() as { manifests: unknown[] };
    assert.deepEqual(referrers.manifests, []);
    const again = await runGc(berth.url, true);
    assert.ok(again);
    assert.deepEqual([again.manifestLinks, again.blobLinks, again.manifests, again.blobs, again.blobBytes, again.orphanFiles], [0, 0, 0, 0, 0, 0]);
  });

  it('a collection is audited with its report', async () => {
    let events: Array<{ action: string; actorName: string; detail: { blobs?: number } }> = [];
    for (let i = 0; i < 50 && events.length === 0; i++) {
      const res = await fetch(`${berth.url}/api/v1/audit?action=gc.run`);
      assert.equal(res.status, 200);
      events = ((await res.json()) as { items: typeof events }).items;
      if (events.length === 0) await sleep(100);
    }
    assert.ok(events.length >= 1, 'a gc.run audit event');
    assert.equal(events[0]!.action, 'gc.run');
    assert.equal(typeof events[0]!.detail.blobs, 'number');
  });
});

describe('garbage collection keeps what is young or in tag history', () => {
  let berth: TestBerth;
  after(() => berth?.stop());

  it('never collects a blob uploaded but not yet referenced, or a manifest pushed by digest, within the grace period', async () => {
    berth = await startTestBerth({ gc: { grace: '1h' }, versions: { historyWindow: 0 } }, { open: true });
    const loose = await pushBlob(berth.url, REPO, 'uploaded, manifest to follow');
    const child = (await pushLikeAClient(berth.url, REPO, { tag: 'tmp', layers: ['child layer'] })).pushed;
    await deleteTag(berth.url, REPO, 'tmp');
    const report = await runGc(berth.url, false);
    assert.ok(report);
    assert.deepEqual([report.manifestLinks, report.blobLinks, report.manifests, report.blobs], [0, 0, 0, 0]);
    assert.equal((await fetch(`${berth.url}/v2/${REPO}/blobs/${loose}`)).status, 200);
    assert.equal((await fetch(`${berth.url}/v2/${REPO}/manifests/${child.digest}`, { headers: { accept: OCI_MANIFEST } })).status, 200);
    await berth.stop();
  });

  it('keeps an untagged manifest that tag history points to inside the history window (rollback needs it)', async () => {
    berth = await startTestBerth({ gc: { grace: GRACE } }, { open: true });
    const v1 = (await pushLikeAClient(berth.url, REPO, { tag: 'app', layers: ['v1 layer'] })).pushed;
    await pushLikeAClient(berth.url, REPO, { tag: 'app', layers: ['v2 layer'] });
    await sleep(PAST_GRACE_MS);
    const report = await runGc(berth.url, false);
    assert.ok(report);
    assert.equal(report.manifestLinks, 0);
    const res = await fetch(`${berth.url}/v2/${REPO}/manifests/${v1.digest}`, { headers: { accept: OCI_MANIFEST } });
    assert.equal(res.status, 200);
    for (const blob of v1.blobs) assert.equal((await fetch(`${berth.url}/v2/${REPO}/blobs/${blob.digest}`, { method: 'HEAD' })).status, 200);
  });
});
