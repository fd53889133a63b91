import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HistoryItem } from '../../src/cli/tag.command.ts';
import { startTestBerth } from '../helpers/berth-server.ts';
import { body, pushImage, sha256 } from '../helpers/oci-client.ts';
import { basic, callerFor, expectProblem, expectStatus, passwordOf, startApiFixture, twoProjects, type ApiFixture, type Caller, type TwoProjects } from './api-client.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const REPO = 'alpha/app';
const PATH = `/repositories/${encodeURIComponent(REPO)}/tags`;

/** Pushes a one-layer image unique to `seed` through /v2 with Basic credentials; `ref` is a tag or a digest. */
async function push(base: string, authorization: string, repo: string, ref: string | undefined, seed: string): Promise<string> {
  const blob = async (bytes: string) => {
    const digest = sha256(bytes);
    const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', headers: { authorization, 'content-type': 'application/octet-stream' }, body: body(bytes) });
    assert.equal(res.status, 201, `blob upload: ${res.status} ${await res.text()}`);
    return { mediaType: '', digest, size: Buffer.byteLength(bytes) };
  };
  const config = await blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed }));
  const layer = await blob(`layer of ${seed}`);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
    layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
  });
  const digest = sha256(manifest);
  const res = await fetch(`${base}/v2/${repo}/manifests/${ref ?? digest}`, { method: 'PUT', headers: { authorization, 'content-type': OCI_MANIFEST }, body: manifest });
  assert.equal(res.status, 201, `manifest push: ${res.status} ${await res.text()}`);
  return digest;
}

async function tagDigest(base: string, authorization: string, repo: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { authorization, accept: OCI_MANIFEST } });
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

type Move = HistoryItem;

async function history(caller: Caller, tag: string): Promise<Move[]> {
  const res = await caller('GET', `${PATH}/${tag}/history?limit=500`);
  expectStatus(res, 200);
  return res.body.items as Move[];
}

describe('tag history, rollback and restore over the API', () => {
  let f: ApiFixture;
  let people: TwoProjects;
  let guest: Caller;
  const dev = basic('dev-a', passwordOf('dev-a'));
  const base = () => f.berth.url;

  before(async () => {
    f = await startApiFixture();
    people = await twoProjects(f);
    guest = await f.user('guest-a');
    await f.grant('alpha', 'guest-a', 'guest');
  });
  after(() => f?.stop());

  it('records pushes by tag through /v2, newest first and paged; a re-push of the same digest adds nothing', async () => {
    const a = await push(base(), dev, REPO, 'v1', 'h-a');
    const b = await push(base(), dev, REPO, 'v1', 'h-b');
    await push(base(), dev, REPO, 'v1', 'h-b');
    const c = await push(base(), dev, REPO, 'v1', 'h-c');
    const moves = await history(people.devA, 'v1');
    assert.deepEqual(moves.map((m) => [m.from, m.to, m.how, m.actor]), [[b, c, 'push', 'dev-a'], [a, b, 'push', 'dev-a'], [null, a, 'push', 'dev-a']]);
    assert.ok(moves.every((m) => !Number.isNaN(Date.parse(m.at))));

    const first = await people.devA('GET', `${PATH}/v1/history?limit=2`);
    expectStatus(first, 200);
    assert.deepEqual(first.body.items.map((m: Move) => m.to), [c, b]);
    assert.equal(typeof first.body.next, 'string');
    const second = await people.devA('GET', `${PATH}/v1/history?limit=2&cursor=${first.body.next}`);
    assert.deepEqual(second.body.items.map((m: Move) => m.to), [a]);
    assert.equal(second.body.next, null);
  });

  it('rollback walks back one digest at a time, then refuses when nothing earlier is left; audited', async () => {
    const a = await push(base(), dev, REPO, 'walk', 'w-a');
    const b = await push(base(), dev, REPO, 'walk', 'w-b');
    const c = await push(base(), dev, REPO, 'walk', 'w-c');
    const first = await people.devA('POST', `${PATH}/walk/rollback`, {});
    expectStatus(first, 200);
    assert.deepEqual(first.body, { repository: REPO, tag: 'walk', from: c, to: b, warnings: [] });
    assert.equal(await tagDigest(base(), dev, REPO, 'walk'), b);
    // A second rollback goes further back instead of toggling back to c.
    expectStatus(await people.devA('POST', `${PATH}/walk/rollback`, {}), 200);
    assert.equal(await tagDigest(base(), dev, REPO, 'walk'), a);
    const none = expectProblem(await people.devA('POST', `${PATH}/walk/rollback`, {}), 400, 'BAD_REQUEST');
    assert.match(none.detail, /no earlier digest/);
    assert.deepEqual((await history(people.devA, 'walk')).slice(0, 2).map((m) => [m.from, m.to, m.how, m.actor]), [[b, a, 'rollback', 'dev-a'], [c, b, 'rollback', 'dev-a']]);

    let events: Array<{ action: string; repository: string; reference: string; digest: string; actorName: string }> = [];
    for (let i = 0; i < 100 && events.length < 2; i++) {
      const res = await f.admin('GET', '/audit?action=tag.rollback&limit=50');
      expectStatus(res, 200);
      events = res.body.items.filter((e: { reference: string }) => e.reference === 'walk');
      if (events.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(events.map((e) => [e.actorName, e.repository, e.digest]).sort(), [['dev-a', REPO, a], ['dev-a', REPO, b]].sort());
  });

  it('rollback --to and --steps pick a digest from the history; others are refused', async () => {
    const a = await push(base(), dev, REPO, 'pick', 'p-a');
    const b = await push(base(), dev, REPO, 'pick', 'p-b');
    const c = await push(base(), dev, REPO, 'pick', 'p-c');
    const stranger = await push(base(), dev, REPO, undefined, 'p-stranger');
    expectStatus(await people.devA('POST', `${PATH}/pick/rollback`, { steps: 2 }), 200);
    assert.equal(await tagDigest(base(), dev, REPO, 'pick'), a);
    const forward = await people.devA('POST', `${PATH}/pick/rollback`, { to: c });
    expectStatus(forward, 200);
    assert.deepEqual([forward.body.from, forward.body.to], [a, c]);
    assert.match(expectProblem(await people.devA('POST', `${PATH}/pick/rollback`, { to: stranger }), 400, 'BAD_REQUEST').detail, /never pointed at/);
    expectProblem(await people.devA('POST', `${PATH}/pick/rollback`, { to: c }), 409, 'CONFLICT');
    expectProblem(await people.devA('POST', `${PATH}/pick/rollback`, { to: b, steps: 1 }), 400, 'BAD_REQUEST');
    expectProblem(await people.devA('POST', `${PATH}/pick/rollback`, { steps: 0 }), 400, 'BAD_REQUEST');
    expectProblem(await people.devA('POST', `${PATH}/pick/rollback`, { to: 'sha256:nope' }), 400, 'BAD_REQUEST');
    assert.equal(await tagDigest(base(), dev, REPO, 'pick'), c);
  });

  it('an untagged manifest can be rolled back to; one deleted by digest is refused naming the digest', async () => {
    const a = await push(base(), dev, REPO, 'gone', 'g-a');
    const b = await push(base(), dev, REPO, 'gone', 'g-b');
    await push(base(), dev, REPO, 'gone', 'g-c');
    const del = await fetch(`${base()}/v2/${REPO}/manifests/${b}`, { method: 'DELETE', headers: { authorization: basic('owner-a', passwordOf('owner-a')) } });
    assert.equal(del.status, 202);
    const refused = expectProblem(await people.devA('POST', `${PATH}/gone/rollback`, {}), 404, 'MANIFEST_UNKNOWN');
    assert.match(refused.detail, new RegExp(`manifest ${b} is no longer stored`));
    expectStatus(await people.devA('POST', `${PATH}/gone/rollback`, { to: a }), 200);
    assert.equal(await tagDigest(base(), dev, REPO, 'gone'), a);
  });

  it('a deleted tag is restored to its last digest, or to one from its history; an existing tag is not', async () => {
    const a = await push(base(), dev, REPO, 'deleted', 'd-a');
    const b = await push(base(), dev, REPO, 'deleted', 'd-b');
    const del = await fetch(`${base()}/v2/${REPO}/manifests/deleted`, { method: 'DELETE', headers: { authorization: basic('owner-a', passwordOf('owner-a')) } });
    assert.equal(del.status, 202);
    assert.deepEqual((await history(people.devA, 'deleted'))[0]!.to, null);
    assert.equal((await history(people.devA, 'deleted'))[0]!.actor, 'owner-a');
    expectProblem(await people.devA('POST', `${PATH}/deleted/rollback`, {}), 404, 'MANIFEST_UNKNOWN');
    const restored = await people.devA('POST', `${PATH}/deleted/restore`, {});
    expectStatus(restored, 200);
    assert.deepEqual(restored.body, { repository: REPO, tag: 'deleted', from: null, to: b, warnings: [] });
    assert.equal(await tagDigest(base(), dev, REPO, 'deleted'), b);
    expectProblem(await people.devA('POST', `${PATH}/deleted/restore`, {}), 409, 'CONFLICT');
    await fetch(`${base()}/v2/${REPO}/manifests/deleted`, { method: 'DELETE', headers: { authorization: basic('owner-a', passwordOf('owner-a')) } });
    expectStatus(await people.devA('POST', `${PATH}/deleted/restore`, { to: a }), 200);
    assert.equal(await tagDigest(base(), dev, REPO, 'deleted'), a);
    assert.equal((await history(people.devA, 'deleted'))[0]!.how, 'restore');
    expectProblem(await people.devA('POST', `${PATH}/never-existed/restore`, {}), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await people.devA('GET', `${PATH}/never-existed/history`), 404, 'RESOURCE_UNKNOWN');
  });

  it('an immutable tag rule refuses a rollback, naming the rule', async () => {
    await push(base(), dev, REPO, 'frozen-1', 'f-a');
    const b = await push(base(), dev, REPO, 'frozen-1', 'f-b');
    expectStatus(await people.ownerA('POST', '/projects/alpha/tag-rules/immutable', { name: 'ice', repositories: 'app', tags: 'frozen-*' }), 201);
    const refused = expectProblem(await people.ownerA('POST', `${PATH}/frozen-1/rollback`, {}), 403, 'DENIED');
    assert.match(refused.detail, /rule "ice"/);
    assert.equal(await tagDigest(base(), dev, REPO, 'frozen-1'), b);
    assert.equal((await history(people.devA, 'frozen-1')).length, 2);
  });

  it('reading needs pull, moving needs push; others do not learn the repository exists', async () => {
    await push(base(), dev, REPO, 'perm', 'perm-a');
    await push(base(), dev, REPO, 'perm', 'perm-b');
    expectStatus(await guest('GET', `${PATH}/perm/history`), 200);
    expectProblem(await guest('POST', `${PATH}/perm/rollback`, {}), 403, 'DENIED');
    expectProblem(await guest('POST', `${PATH}/perm/restore`, {}), 403, 'DENIED');
    expectProblem(await people.outsider('GET', `${PATH}/perm/history`), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await people.outsider('POST', `${PATH}/perm/rollback`, {}), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await people.ownerB('POST', `${PATH}/perm/rollback`, {}), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.anonymous('GET', `${PATH}/perm/history`), 401, 'UNAUTHORIZED');
    assert.equal((await history(people.devA, 'perm')).length, 2);
  });

  it('two rollbacks at once never interleave: each one that succeeds starts where the previous move ended', async () => {
    for (let round = 0; round < 3; round++) {
      const tag = `race-${round}`;
      const digests: string[] = [];
      for (const seed of ['a', 'b', 'c', 'd']) digests.push(await push(base(), dev, REPO, tag, `${tag}-${seed}`));
      const answers = await Promise.all([people.devA('POST', `${PATH}/${tag}/rollback`, {}), people.ownerA('POST', `${PATH}/${tag}/rollback`, {})]);
      const ok = answers.filter((r) => r.status === 200).length;
      for (const r of answers) if (r.status !== 200) expectProblem(r, 409, 'CONFLICT');
      assert.ok(ok >= 1, 'at least one rollback succeeds');
      const moves = (await history(people.devA, tag)).reverse();
      assert.equal(moves.filter((m) => m.how === 'rollback').length, ok);
      for (let i = 1; i < moves.length; i++) assert.equal(moves[i]!.from, moves[i - 1]!.to, `move ${i} starts where the one before ended`);
      // One rollback lands on c; two in sequence on b.
      assert.equal(await tagDigest(base(), dev, REPO, tag), digests[3 - ok]);
    }
  });
});

describe('tag history across a restart', () => {
  it('the history is still there after the server restarts on the same data', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-history-restart-'));
    try {
      const first = await startTestBerth({}, { open: true, dataDir });
      const a = (await pushImage(first.url, 'acme/keep', 'v1', ['one'])).digest;
      const b = (await pushImage(first.url, 'acme/keep', 'v1', ['two'])).digest;
      expectStatus(await callerFor(first)('POST', `/repositories/${encodeURIComponent('acme/keep')}/tags/v1/rollback`, {}), 200);
      await first.close();
      const second = await startTestBerth({}, { open: true, dataDir });
      try {
        const res = await callerFor(second)('GET', `/repositories/${encodeURIComponent('acme/keep')}/tags/v1/history`);
        expectStatus(res, 200);
        assert.deepEqual(res.body.items.map((m: Move) => [m.from, m.to, m.how]), [[b, a, 'rollback'], [a, b, 'push'], [null, a, 'push']]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('rollback after garbage collection', { timeout: 180_000 }, () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const repoPath = `/repositories/${encodeURIComponent('acme/gc')}/tags/v1`;

  it('an untagged manifest inside the history window survives GC, so the rollback finds it', async () => {
    const berth = await startTestBerth({ gc: { grace: '1s' } }, { open: true });
    try {
      const a = await pushImage(berth.url, 'acme/gc', 'v1', ['gc-one']);
      await pushImage(berth.url, 'acme/gc', 'v1', ['gc-two']);
      await sleep(1_500); // past gc.grace, so only the history keeps a
      expectStatus(await callerFor(berth)('POST', '/gc', {}), 200);
      expectStatus(await callerFor(berth)('POST', `${repoPath}/rollback`, {}), 200);
      const pulled = await fetch(`${berth.url}/v2/acme/gc/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(pulled.status, 200);
      assert.equal(await pulled.text(), a.manifest);
      for (const layer of a.layers) assert.equal((await fetch(`${berth.url}/v2/acme/gc/blobs/${layer}`)).status, 200);
    } finally {
      await berth.stop();
    }
  });

  it('past the history window GC collects it, and the rollback refuses naming the digest', async () => {
    const berth = await startTestBerth({ gc: { grace: '1s' }, versions: { historyWindow: '1s' } }, { open: true });
    try {
      const a = await pushImage(berth.url, 'acme/gc', 'v1', ['gc-one']);
      await pushImage(berth.url, 'acme/gc', 'v1', ['gc-two']);
      await sleep(2_500);
      expectStatus(await callerFor(berth)('POST', '/gc', {}), 200);
      const refused = expectProblem(await callerFor(berth)('POST', `${repoPath}/rollback`, {}), 404, 'MANIFEST_UNKNOWN');
      assert.match(refused.detail, new RegExp(`manifest ${a.digest} is no longer stored in acme/gc`));
    } finally {
      await berth.stop();
    }
  });
});
