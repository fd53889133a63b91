/**
 * Retention policies and runs against a real Berth (auth on): permissions, every keep rule in one policy, the
 * immutable tag rule's refusal kept as a reason, pulls from the audit log, dry run vs real run, tag history,
 * audit, and the precedence between retention, the history window and garbage collection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { runGc, sleep } from '../helpers/gc-kit.ts';
import { sha256 } from '../helpers/oci-client.ts';
import { basic, expectProblem, expectStatus, startApiFixture, type ApiFixture, type Caller } from './api-client.ts';

const ADMIN = basic('admin', TEST_ADMIN_PASSWORD);
const REPO = 'shop/app';
const BASE = 'shared base layer '.repeat(50);

/** Pushes an image (shared base + one unique layer) as the admin; returns the unique bytes (config + layer). */
async function push(base: string, tag: string): Promise<number> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag });
  const own = `layer of ${tag}`;
  for (const blob of [config, BASE, own]) {
    const res = await fetch(`${base}/v2/${REPO}/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob, headers: { authorization: ADMIN, 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, await res.text());
  }
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [BASE, own].map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length })),
  });
  const res = await fetch(`${base}/v2/${REPO}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { authorization: ADMIN, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 201, await res.text());
  return config.length + own.length;
}

async function tagsNow(base: string): Promise<string[]> {
  const res = await fetch(`${base}/v2/${REPO}/tags/list`, { headers: { authorization: ADMIN } });
  return ((await res.json()) as { tags: string[] }).tags.sort();
}

const verdictOf = (report: any): Record<string, string> => Object.fromEntries([
  ...report.deleted.map((d: { tag: string }) => [d.tag, 'DELETE']),
  ...report.kept.map((k: { tag: string; reason: string }) => [k.tag, k.reason]),
]);

describe('retention', { timeout: 300_000 }, () => {
  let f: ApiFixture;
  let maint: Caller;
  let dev: Caller;
  const unique: Record<string, number> = {};

  before(async () => {
    f = await startApiFixture({ gc: { grace: '1s' } });
    maint = await f.user('maint');
    dev = await f.user('dev');
    await f.project('shop');
    await f.grant('shop', 'maint', 'maintainer');
    await f.grant('shop', 'dev', 'developer');
    for (const tag of ['1.0.0', '1.0.1', '1.1.0', '2.0.0', 'frozen-1', 'dev-abc', 'release-x']) unique[tag] = await push(f.berth.url, tag);
    expectStatus(await f.admin('POST', '/projects/shop/tag-rules/immutable', { name: 'frozen', repositories: '**', tags: 'frozen-*' }), 201);
    // A pull of dev-abc, recorded in the audit log (written in the background: wait until it is there).
    const pulled = await fetch(`${f.berth.url}/v2/${REPO}/manifests/dev-abc`, { headers: { authorization: ADMIN, accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(pulled.status, 200);
    await pulled.arrayBuffer();
    for (let i = 0; i < 100; i++) {
      const events = await f.admin('GET', '/audit?action=registry.pull&project=shop');
      if (events.body.items.length > 0) break;
      await sleep(100);
    }
  });
  after(() => f?.stop());

  it('needs manage-retention to change the policy; members may read it', async () => {
    expectProblem(await dev('PUT', '/projects/shop/retention', { keepMostRecent: 1 }), 403, 'DENIED');
    expectProblem(await dev('POST', '/projects/shop/retention/runs', { dryRun: true }), 403, 'DENIED');
    expectProblem(await maint('GET', '/projects/shop/retention'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await maint('PUT', '/projects/shop/retention', { keepMostRecent: 0 }), 400, 'BAD_REQUEST');
    const set = await maint('PUT', '/projects/shop/retention', { keepHighestVersions: 2, keepPatterns: ['release-*'], keepPulledWithinDays: 7 });
    expectStatus(set, 200);
    assert.deepEqual(set.body.policy, { keepHighestVersions: 2, keepPatterns: ['release-*'], keepPulledWithinDays: 7, protectHistoryWindow: true });
    assert.equal(set.body.updatedBy, 'maint');
    expectStatus(await dev('GET', '/projects/shop/retention'), 200);
  });

  it('by default the history window keeps tags that moved recently', async () => {
    const dry = await maint('POST', '/projects/shop/retention/runs', { dryRun: true });
    expectStatus(dry, 200);
    assert.deepEqual(verdictOf(dry.body), {
      '1.0.0': 'history-window', '1.0.1': 'history-window', '1.1.0': 'history-window', '2.0.0': 'history-window',
      'frozen-1': 'immutable', 'dev-abc': 'history-window', 'release-x': 'history-window',
    });
  });

  it('a dry run lists every tag that would go and why each other tag stays, with the bytes GC would free', async () => {
    expectStatus(await maint('PUT', '/projects/shop/retention', { keepHighestVersions: 2, keepPatterns: ['release-*'], keepPulledWithinDays: 7, protectHistoryWindow: false }), 200);
    const dry = await maint('POST', '/projects/shop/retention/runs', { dryRun: true });
    expectStatus(dry, 200);
    assert.equal(dry.body.dryRun, true);
    assert.deepEqual(verdictOf(dry.body), {
      '1.0.0': 'DELETE', '1.0.1': 'DELETE', '1.1.0': 'highest-version', '2.0.0': 'highest-version',
      'frozen-1': 'immutable', 'dev-abc': 'pulled', 'release-x': 'pattern',
    });
    assert.match(dry.body.kept.find((k: { tag: string }) => k.tag === 'frozen-1').detail, /frozen/, 'the immutable rule is named');
    assert.deepEqual(dry.body.freed, { manifests: 2, blobs: 4, blobBytes: unique['1.0.0']! + unique['1.0.1']! });
    assert.equal((await tagsNow(f.berth.url)).length, 7, 'a dry run deletes nothing');
  });

  it('a real run deletes exactly those tags, records them in tag history as retention, and is audited', async () => {
    const run = await maint('POST', '/projects/shop/retention/runs', { dryRun: false });
    expectStatus(run, 200);
    assert.deepEqual(run.body.deleted.map((d: { tag: string }) => d.tag).sort(), ['1.0.0', '1.0.1']);
    assert.deepEqual(run.body.skipped, []);
    assert.deepEqual(await tagsNow(f.berth.url), ['1.1.0', '2.0.0', 'dev-abc', 'frozen-1', 'release-x']);
    const history = await maint('GET', `/repositories/${encodeURIComponent(REPO)}/tags/1.0.0/history`);
    expectStatus(history, 200);
    assert.equal(history.body.items[0].how, 'retention');
    assert.equal(history.body.items[0].actor, 'maint');
    let events: Array<{ action: string; actorName: string; detail: { deleted: number } }> = [];
    for (let i = 0; i < 50 && events.length === 0; i++) {
      events = (await f.admin('GET', '/audit?action=retention.run&project=shop')).body.items;
      if (events.length === 0) await sleep(100);
    }
    assert.equal(events[0]?.actorName, 'maint');
    assert.equal(events[0]?.detail.deleted, 2);
  });

  it('GC keeps what retention untagged while the history window lasts (a restore still works)', async () => {
    await sleep(1_300);
    const report = await runGc(f.berth.url, false, { authorization: ADMIN });
    assert.ok(report);
    assert.equal(report.manifestLinks, 0);
    expectStatus(await maint('POST', `/repositories/${encodeURIComponent(REPO)}/tags/1.0.0/restore`, {}), 200);
    assert.ok((await tagsNow(f.berth.url)).includes('1.0.0'));
  });

  it('only admins may run garbage collection; removing the policy is audited and stops deletions', async () => {
    const denied = await fetch(`${f.berth.url}/api/v1/gc`, { method: 'POST', headers: { authorization: basic('maint', 'maint-password'), 'content-type': 'application/json' }, body: '{"dryRun":true}' });
    assert.equal(denied.status, 403);
    expectStatus(await maint('DELETE', '/projects/shop/retention'), 204);
    expectProblem(await maint('POST', '/projects/shop/retention/runs', { dryRun: true }), 404, 'RESOURCE_UNKNOWN');
  });
});
