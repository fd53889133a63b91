/**
 * One version lifecycle across every part of issue #4, against a real Berth (auth on, SQLite files, real CLI):
 * naming and immutable rules over /v2, rollback after GC inside the history window, a promotion gate naming
 * itself, promotion dev -> prod with signature and release notes (history, audit, storage totals), retention's
 * precedence (immutable > history window) and dry run = real run, GC keeping what history needs, restore; then
 * the same data directory under a short history window: once it has passed GC frees exactly that content and
 * rollback / restore refuse naming the digest. Last, every new command's --help documents exit codes and --json.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GcReport } from '../../src/gc/gc.service.ts';
import { basic, callerFor, expectProblem, expectStatus, type Caller } from '../api/api-client.ts';
import { jsonOf, runBerth } from '../cli/run-berth.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { sleep } from '../helpers/gc-kit.ts';
import { OCI_MANIFEST, sha256 } from '../helpers/oci-client.ts';

const ADMIN = basic('admin', TEST_ADMIN_PASSWORD);
const KEY = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cosign', 'cosign-p256.key');
const KEY_PASSWORD = 'berth-fixture-password';
const NOTES_TYPE = 'application/vnd.berth.release-notes.v1+json';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const GRACE = '1s';
const PAST_GRACE_MS = 1_300;
/** The history window of the second half: short, and waited out in full before anything depends on it. */
const SHORT_WINDOW = '3s';
const PAST_SHORT_WINDOW_MS = 3_500;
const BASE = 'shared base layer\n'.repeat(200);

interface Image {
  tag: string;
  digest: string;
  manifest: string;
  /** Config and layers: digest -> size. */
  blobs: Map<string, number>;
}

const enc = encodeURIComponent;
const sumOf = (sizes: Iterable<number>) => [...sizes].reduce((n, s) => n + s, 0);

function imageOf(tag: string, layers: string[]): { image: Image; contents: string[] } {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, image: tag, build: sha256(layers.join('')) });
  const contents = [config, ...layers];
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: Buffer.byteLength(config) },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: Buffer.byteLength(l) })),
  });
  return { image: { tag, digest: sha256(manifest), manifest, blobs: new Map(contents.map((c) => [sha256(c), Buffer.byteLength(c)])) }, contents };
}

async function v2(base: string, method: string, path: string, body?: string): Promise<Response> {
  return fetch(`${base}/v2/${path}`, {
    method,
    headers: { authorization: ADMIN, accept: `${OCI_MANIFEST}, application/vnd.oci.image.index.v1+json`, ...(body !== undefined ? { 'content-type': OCI_MANIFEST } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
}

/** Uploads the image's blobs (monolithic POST) and PUTs its manifest under `tag`; returns the response. */
async function push(base: string, repo: string, tag: string, layers: string[]): Promise<{ image: Image; res: Response }> {
  const { image, contents } = imageOf(tag, layers);
  for (const c of contents) {
    const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${sha256(c)}`, { method: 'POST', body: c, headers: { authorization: ADMIN, 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, await res.text());
  }
  return { image, res: await v2(base, 'PUT', `${repo}/manifests/${tag}`, image.manifest) };
}

async function pushOk(base: string, repo: string, tag: string, layers: string[]): Promise<Image> {
  const { image, res } = await push(base, repo, tag, layers);
  assert.equal(res.status, 201, await res.text());
  return image;
}

/** Pulls `ref` and every blob of the image, checking digests and bytes. */
async function pullIntact(base: string, repo: string, ref: string, image: Image): Promise<void> {
  const res = await v2(base, 'GET', `${repo}/manifests/${ref}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `${repo}:${ref}`);
  assert.equal(sha256(bytes), image.digest, `${repo}:${ref} is ${image.tag}`);
  for (const [digest, size] of image.blobs) {
    const blob = await v2(base, 'GET', `${repo}/blobs/${digest}`);
    const data = Buffer.from(await blob.arrayBuffer());
    assert.equal(blob.status, 200, `${repo} blob ${digest}`);
    assert.equal(sha256(data), digest);
    assert.equal(data.length, size);
  }
}

/** Sum of the sizes of every committed blob file under the data directory. */
async function bytesOnDisk(dataDir: string): Promise<number> {
  const root = join(dataDir, 'blobs', 'sha256');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map(async (e) => (await stat(join(e.parentPath, e.name))).size));
  return sumOf(sizes);
}

interface Sizes { logicalBytes: number; physicalBytes: number; uniqueBytes: number }
interface StorageReport { totals: Sizes; projects: Array<Sizes & { name: string }>; repositories: Array<Sizes & { name: string }> }

async function storage(admin: Caller): Promise<{ totals: Sizes; project: (n: string) => Sizes; repo: (n: string) => Sizes }> {
  const res = await admin('GET', '/storage');
  expectStatus(res, 200);
  const report = res.body as StorageReport;
  const find = <T extends { name: string }>(rows: T[], name: string): T => {
    const row = rows.find((r) => r.name === name);
    assert.ok(row, `${name} in the storage report`);
    return row;
  };
  return { totals: report.totals, project: (n) => find(report.projects, n), repo: (n) => find(report.repositories, n) };
}

/**
 * The image manifests `refs` of `repo`, read through /v2: their distinct blobs' bytes (physical) and the sum of
 * each manifest's config and layers (logical: a blob two manifests use counts twice).
 */
async function bytesOf(base: string, repo: string, refs: string[]): Promise<{ physical: number; logical: number }> {
  const distinct = new Map<string, number>();
  let logical = 0;
  for (const ref of refs) {
    const res = await v2(base, 'GET', `${repo}/manifests/${ref}`);
    assert.equal(res.status, 200, `${repo}@${ref}`);
    const doc = (await res.json()) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
    for (const d of [doc.config, ...doc.layers]) {
      distinct.set(d.digest, d.size);
      logical += d.size;
    }
  }
  return { physical: sumOf(distinct.values()), logical };
}

for (const dialect of ['sqlite', 'postgres'] as const) describe(`version lifecycle across tag rules, history, promotion, retention and GC (${dialect})`, { timeout: 900_000 }, () => {
  let postgres: TestPostgres | undefined;
  let metadata: Record<string, unknown> = {};
  let dataDir: string;
  let work: string;
  let berth: TestBerth;
  let admin: Caller;
  let v100: Image;
  let v110: Image;
  let v120: Image;
  let channelX: Image;
  let channelY: Image;
  let signatureTag: string;
  let diskBeforeGc = 0;
  const env = () => ({ BERTH_SERVER: berth.url, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD, BERTH_KEY_PASSWORD: KEY_PASSWORD });
  const start = async (overrides: Record<string, unknown>) => {
    berth = await startTestBerth({ gc: { grace: GRACE }, ...metadata, ...overrides }, { dataDir });
    admin = callerFor(berth, ADMIN);
  };
  const gc = async (dryRun: boolean): Promise<GcReport> => {
    const res = await admin('POST', '/gc', { dryRun });
    expectStatus(res, 200);
    return res.body as GcReport;
  };
  const retention = async (dryRun: boolean) => {
    const res = await admin('POST', '/projects/dev/retention/runs', { dryRun });
    expectStatus(res, 200);
    return res.body as { deleted: Array<{ tag: string; digest: string }>; kept: Array<{ tag: string; reason: string; detail: string }>; skipped: unknown[]; freed: { manifests: number; blobs: number; blobBytes: number } };
  };
  const history = async (repo: string, tag: string) => {
    const res = await admin('GET', `/repositories/${enc(repo)}/tags/${tag}/history`);
    expectStatus(res, 200);
    return res.body.items as Array<{ from: string | null; to: string | null; how: string; actor: string }>;
  };

  before(async () => {
    postgres = dialect === 'postgres' ? await startTestPostgres() : undefined;
    // The restart below opens the same database (and data directory) again.
    metadata = postgres ? { metadata: { driver: 'postgres', url: await postgres.createDatabase() } } : {};
    dataDir = await mkdtemp(join(tmpdir(), 'berth-lifecycle-'));
    work = await mkdtemp(join(tmpdir(), 'berth-lifecycle-work-'));
    await start({});
    for (const name of ['dev', 'prod']) expectStatus(await admin('POST', '/projects', { name, isPublic: false }), 201);
    expectStatus(await admin('POST', '/projects/dev/tag-rules/naming', { name: 'versions-and-channels', forms: ['semver', 'channel', 'git-sha'] }), 201);
    expectStatus(await admin('POST', '/projects/dev/tag-rules/immutable', { name: 'first-release', repositories: '**', tags: '1.0.0' }), 201);
    expectStatus(await admin('POST', '/projects/prod/tag-rules/immutable', { name: 'prod-releases', repositories: '**', tags: '*.*.*' }), 201);
  });
  after(async () => {
    await berth?.stop();
    await postgres?.stop();
    for (const dir of [dataDir, work]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('naming and immutable rules refuse over /v2, naming the rule', async () => {
    v100 = await pushOk(berth.url, 'dev/app', '1.0.0', [BASE, 'app 1.0.0\n'.repeat(30)]);
    v110 = await pushOk(berth.url, 'dev/app', '1.1.0', [BASE, 'app 1.1.0\n'.repeat(40)]);
    v120 = await pushOk(berth.url, 'dev/app', '1.2.0', [BASE, 'app 1.2.0\n'.repeat(50)]);

    // Known content under a bad name: refused before anything is tagged.
    const badName = await v2(berth.url, 'PUT', 'dev/app/manifests/nightly_build', v120.manifest);
    const naming = (await badName.json()) as { errors: Array<{ code: string; message: string }> };
    assert.equal(badName.status, 400);
    assert.equal(naming.errors[0]?.code, 'TAG_INVALID');
    assert.match(naming.errors[0]!.message, /tag "nightly_build" breaks naming rule "versions-and-channels"/);
    assert.equal((await v2(berth.url, 'GET', 'dev/app/manifests/nightly_build')).status, 404);

    // The immutable 1.0.0 can be pushed again with its digest, never moved or deleted (by tag or by digest).
    assert.equal((await v2(berth.url, 'PUT', 'dev/app/manifests/1.0.0', v100.manifest)).status, 201);
    for (const [method, ref, body] of [['PUT', '1.0.0', v110.manifest], ['DELETE', '1.0.0', undefined], ['DELETE', v100.digest, undefined]] as const) {
      const res = await v2(berth.url, method, `dev/app/manifests/${ref}`, body);
      const refusal = (await res.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(res.status, 403, `${method} ${ref}`);
      assert.equal(refusal.errors[0]?.code, 'DENIED');
      assert.match(refusal.errors[0]!.message, /tag dev\/app:1\.0\.0 is immutable \(rule "first-release"/);
    }
    await pullIntact(berth.url, 'dev/app', '1.0.0', v100);
  });

  it('inside the history window GC keeps a manifest the tag moved away from, and rollback brings it back intact', async () => {
    channelX = await pushOk(berth.url, 'dev/app', 'dev', [BASE, 'dev build x\n'.repeat(60)]);
    channelY = await pushOk(berth.url, 'dev/app', 'dev', [BASE, 'dev build y\n'.repeat(70)]);
    await sleep(PAST_GRACE_MS);
    const report = await gc(false);
    assert.equal(report.manifests, 0, 'nothing collected: history needs the untagged manifest');
    assert.equal(report.blobs, 0);

    const rolled = await admin('POST', `/repositories/${enc('dev/app')}/tags/dev/rollback`, {});
    expectStatus(rolled, 200);
    assert.deepEqual([rolled.body.from, rolled.body.to], [channelY.digest, channelX.digest]);
    await pullIntact(berth.url, 'dev/app', 'dev', channelX);
    // A fix goes out again: the lineage is now X then Y, so a later rollback wants X back.
    await pushOk(berth.url, 'dev/app', 'dev', [BASE, 'dev build y\n'.repeat(70)]);
    assert.deepEqual((await history('dev/app', 'dev')).map((h) => [h.how, h.to, h.actor]), [
      ['push', channelY.digest, 'admin'], ['rollback', channelX.digest, 'admin'], ['push', channelY.digest, 'admin'], ['push', channelX.digest, 'admin'],
    ]);
  });

  it('a promotion gate failure names the gate and moves nothing', async () => {
    expectStatus(await admin('POST', '/projects/prod/promotion-gates', { kind: 'release-note', tag: '*' }), 201);
    const refused = expectProblem(await admin('POST', '/promotions', { source: 'dev/app:1.2.0', to: 'prod/app:1.2.0' }), 412, 'PROMOTION_GATE_FAILED');
    assert.match(refused.detail, /release-note/);
    const gates = (refused.context as { gates: Array<{ kind: string; passed: boolean; reason: string }> }).gates;
    assert.deepEqual(gates.map((g) => [g.kind, g.passed]), [['release-note', false]]);
    assert.match(gates[0]!.reason, /no release notes/);
    assert.equal((await v2(berth.url, 'GET', 'prod/app/manifests/1.2.0')).status, 404);
  });

  it('promotion dev -> prod carries signature and release notes, is in history and audit, and shares blobs in the storage totals', async () => {
    await writeFile(join(work, 'NOTES.md'), '# 1.2.0\n\nFaster start.\n');
    const notes = await runBerth(['release-notes', 'set', 'dev/app:1.2.0', '--file', join(work, 'NOTES.md'), '--changes', 'faster start', '--json'], { env: env() });
    assert.equal(notes.code, 0, notes.stderr);
    const noteManifest = jsonOf<{ manifest: string }>(notes).manifest;
    const sign = await runBerth(['sign', 'dev/app:1.2.0', '--key', KEY, '--json'], { env: env() });
    assert.equal(sign.code, 0, sign.stderr);
    const signed = jsonOf<{ tag: { tag: string; manifest: string }; referrer: { manifest: string } }>(sign);
    signatureTag = signed.tag.tag;
    const before = await storage(admin);
    assert.equal(before.repo('dev/app').uniqueBytes, before.repo('dev/app').physicalBytes, 'nothing shared yet');
    const diskBefore = await bytesOnDisk(berth.dataDir);

    const run = await runBerth(['promote', 'dev/app:1.2.0', '--to', 'prod/app:1.2.0', '--json'], { env: env() });
    assert.equal(run.code, 0, run.stderr);
    const promoted = jsonOf<{ moved: boolean; gates: Array<{ kind: string; passed: boolean }> }>(run);
    assert.equal(promoted.moved, true);
    assert.deepEqual(promoted.gates.map((g) => [g.kind, g.passed]), [['release-note', true]]);

    await pullIntact(berth.url, 'prod/app', '1.2.0', v120);
    const referrers = (await (await v2(berth.url, 'GET', `prod/app/referrers/${v120.digest}`)).json()) as { manifests: Array<{ digest: string; artifactType: string }> };
    assert.deepEqual(referrers.manifests.map((m) => m.artifactType).sort(), [NOTES_TYPE, BUNDLE_TYPE].sort());
    assert.ok(referrers.manifests.some((m) => m.digest === noteManifest));
    assert.equal((await v2(berth.url, 'GET', `prod/app/manifests/${signatureTag}`)).headers.get('docker-content-digest'), signed.tag.manifest);
    const shown = await admin('GET', `/repositories/${enc('prod/app')}/release-notes/1.2.0`);
    expectStatus(shown, 200);
    assert.deepEqual([shown.body.notes.markdown, shown.body.notes.changes], ['# 1.2.0\n\nFaster start.\n', ['faster start']]);
    const verify = await runBerth(['verify', 'prod/app:1.2.0', '--key', KEY.replace(/\.key$/, '.pub'), '--json'], { env: env() });
    assert.equal(verify.code, 0, `${verify.stdout} ${verify.stderr}`);

    assert.deepEqual((await history('prod/app', '1.2.0')).map((h) => [h.how, h.from, h.to, h.actor]), [['promotion', null, v120.digest, 'admin']]);
    await berth.auth.audit.flush();
    const audit = await admin('GET', '/audit?action=promotion');
    const event = (audit.body.items as Array<{ repository: string; digest: string; result: string; detail: { source: string } }>).find((e) => e.repository === 'prod/app' && e.result === 'success');
    assert.ok(event, 'the promotion is audited');
    assert.deepEqual([event.digest, event.detail.source], [v120.digest, 'dev/app:1.2.0']);

    // Storage: promotion linked, it wrote nothing; prod holds only blobs dev holds too.
    const after = await storage(admin);
    const prodBytes = await bytesOf(berth.url, 'prod/app', [v120.digest, ...referrers.manifests.map((m) => m.digest), signed.tag.manifest]);
    assert.equal(await bytesOnDisk(berth.dataDir), diskBefore, 'no blob bytes written');
    assert.equal(after.totals.physicalBytes, before.totals.physicalBytes);
    assert.equal(after.totals.physicalBytes, diskBefore, 'physical = bytes stored once');
    assert.equal(after.repo('prod/app').physicalBytes, prodBytes.physical);
    assert.equal(after.repo('prod/app').logicalBytes, prodBytes.logical);
    assert.ok(prodBytes.logical > prodBytes.physical, 'the notes and the signature share the empty config');
    assert.equal(after.totals.logicalBytes, before.totals.logicalBytes + after.repo('prod/app').logicalBytes);
    assert.equal(after.repo('prod/app').uniqueBytes, 0, 'everything in prod is also in dev');
    assert.equal(after.repo('dev/app').uniqueBytes, after.repo('dev/app').physicalBytes - after.repo('prod/app').physicalBytes);
    assert.deepEqual([after.project('prod').physicalBytes, after.project('prod').uniqueBytes], [after.repo('prod/app').physicalBytes, 0]);
    assert.equal(after.project('dev').physicalBytes, after.totals.physicalBytes);
  });

  it('retention keeps immutable tags and tags moved inside the history window; a dry run is the real run', async () => {
    expectStatus(await admin('PUT', '/projects/dev/retention', { keepHighestVersions: 1, keepPatterns: ['dev'] }), 200);
    const dry = await retention(true);
    assert.deepEqual(dry.deleted, []);
    const reasons = Object.fromEntries(dry.kept.map((k) => [k.tag, k.reason]));
    assert.deepEqual(reasons, { '1.0.0': 'immutable', '1.1.0': 'history-window', '1.2.0': 'history-window', dev: 'history-window', [signatureTag]: 'attachment' });
    assert.match(dry.kept.find((k) => k.tag === '1.0.0')!.detail, /first-release/);
    const real = await retention(false);
    assert.deepEqual(real.deleted, []);
    assert.deepEqual(real.kept, dry.kept);

    // Without the window's protection the ranking decides; the immutable tag still stays.
    expectStatus(await admin('PUT', '/projects/dev/retention', { keepHighestVersions: 1, keepPatterns: ['dev'], protectHistoryWindow: false }), 200);
    const dry2 = await retention(true);
    assert.deepEqual(dry2.deleted.map((d) => [d.tag, d.digest]), [['1.1.0', v110.digest]]);
    assert.equal(dry2.kept.find((k) => k.tag === '1.0.0')?.reason, 'immutable');
    assert.match(dry2.kept.find((k) => k.tag === signatureTag)?.detail ?? 'deleted', new RegExp(`attached to ${v120.digest}`), 'the signature of a kept image stays with it');
    const unique110 = [...v110.blobs].filter(([d]) => d !== sha256(BASE)).map(([, size]) => size);
    assert.deepEqual(dry2.freed, { manifests: 1, blobs: 2, blobBytes: sumOf(unique110) }, 'its config and own layer; the base layer is shared');
    const real2 = await retention(false);
    assert.deepEqual(real2.deleted, dry2.deleted);
    assert.deepEqual(real2.freed, dry2.freed);
    assert.deepEqual(real2.skipped, []);
    assert.equal((await v2(berth.url, 'GET', 'dev/app/manifests/1.1.0')).status, 404);
    const deletion = (await history('dev/app', '1.1.0'))[0]!;
    assert.deepEqual([deletion.how, deletion.from, deletion.to, deletion.actor], ['retention', v110.digest, null, 'admin']);
    await berth.auth.audit.flush();
    const audit = await admin('GET', '/audit?action=retention.run');
    assert.ok((audit.body.items as Array<{ detail: { tags: string[] } }>).some((e) => e.detail.tags?.includes('dev/app:1.1.0')), 'the run is audited with the tag');
  });

  it('GC keeps what history needs: a tag retention deleted is restored intact after a collection', async () => {
    await sleep(PAST_GRACE_MS);
    const report = await gc(false);
    assert.deepEqual([report.manifests, report.blobs], [0, 0]);
    const restored = await admin('POST', `/repositories/${enc('dev/app')}/tags/1.1.0/restore`, {});
    expectStatus(restored, 200);
    assert.equal(restored.body.to, v110.digest);
    await pullIntact(berth.url, 'dev/app', '1.1.0', v110);
    // Retention takes it again: after the window GC may free it.
    assert.deepEqual((await retention(false)).deleted.map((d) => d.tag), ['1.1.0']);
    diskBeforeGc = await bytesOnDisk(berth.dataDir);
  });

  it('after the history window has passed GC frees exactly that content; rollback and restore refuse naming the digest', async () => {
    await berth.stop();
    await start({ versions: { historyWindow: SHORT_WINDOW } });
    await sleep(PAST_SHORT_WINDOW_MS);
    const storageBefore = await storage(admin);

    // The window no longer protects the old moves: retention's reasons are its rules now.
    expectStatus(await admin('PUT', '/projects/dev/retention', { keepHighestVersions: 1, keepPatterns: ['dev'] }), 200);
    const dry = await retention(true);
    assert.deepEqual(dry.deleted, []);
    const reasons = Object.fromEntries(dry.kept.map((k) => [k.tag, k.reason]));
    assert.deepEqual([reasons['1.0.0'], reasons['1.2.0'], reasons.dev], ['immutable', 'highest-version', 'pattern']);

    const gone = [channelX, v110];
    const goneBlobs = new Map(gone.flatMap((i) => [...i.blobs]).filter(([d]) => d !== sha256(BASE)));
    const predicted = await gc(true);
    const report = await gc(false);
    for (const field of ['manifests', 'blobs', 'blobBytes'] as const) assert.equal(report[field], predicted[field], field);
    assert.equal(report.manifests, gone.length);
    assert.equal(report.blobs, goneBlobs.size);
    assert.equal(report.blobBytes, sumOf(goneBlobs.values()));
    for (const image of gone) assert.equal((await v2(berth.url, 'GET', `dev/app/manifests/${image.digest}`)).status, 404);
    for (const digest of goneBlobs.keys()) assert.equal((await v2(berth.url, 'HEAD', `dev/app/blobs/${digest}`)).status, 404);
    assert.equal(await bytesOnDisk(berth.dataDir), diskBeforeGc - report.blobBytes);

    const storageAfter = await storage(admin);
    assert.equal(storageAfter.repo('dev/app').physicalBytes, storageBefore.repo('dev/app').physicalBytes - report.blobBytes);
    assert.equal(storageAfter.totals.physicalBytes, diskBeforeGc - report.blobBytes);
    assert.deepEqual(storageAfter.repo('prod/app'), storageBefore.repo('prod/app'), 'prod is untouched');
    assert.equal(storageAfter.repo('dev/app').uniqueBytes, storageAfter.repo('dev/app').physicalBytes - storageAfter.repo('prod/app').physicalBytes);

    for (const [repo, ref, image] of [['dev/app', '1.0.0', v100], ['dev/app', '1.2.0', v120], ['dev/app', 'dev', channelY], ['prod/app', '1.2.0', v120]] as const) await pullIntact(berth.url, repo, ref, image);
    const referrers = (await (await v2(berth.url, 'GET', `prod/app/referrers/${v120.digest}`)).json()) as { manifests: unknown[] };
    assert.equal(referrers.manifests.length, 2, 'the referrers of a kept image stay');
    assert.equal((await v2(berth.url, 'GET', `dev/app/manifests/${signatureTag}`)).status, 200, 'the signature tag stays with its image');

    const rollback = expectProblem(await admin('POST', `/repositories/${enc('dev/app')}/tags/dev/rollback`, {}), 404, 'MANIFEST_UNKNOWN');
    assert.match(rollback.detail, new RegExp(`manifest ${channelX.digest} is no longer stored in dev/app`));
    const restore = expectProblem(await admin('POST', `/repositories/${enc('dev/app')}/tags/1.1.0/restore`, {}), 404, 'MANIFEST_UNKNOWN');
    assert.match(restore.detail, new RegExp(`manifest ${v110.digest} is no longer stored`));
    await pullIntact(berth.url, 'dev/app', 'dev', channelY);
  });
});

describe('version commands', { timeout: 300_000 }, () => {
  it('every version command documents its exit codes and has --json', async () => {
    const commands = [
      ['tag', 'history'], ['tag', 'restore'], ['rollback'], ['promote'], ['release-notes', 'set'], ['release-notes', 'show'],
      ['promotion-gates', 'list'], ['promotion-gates', 'add'], ['promotion-gates', 'remove'],
      ['retention', 'show'], ['retention', 'set'], ['retention', 'run'], ['retention', 'remove'], ['gc'],
      ['tag-rules', 'list'], ['tag-rules', 'add-naming'], ['tag-rules', 'add-immutable'], ['tag-rules', 'remove'], ['tag-rules', 'production'], ['tags'],
    ];
    for (const command of commands) {
      const help = await runBerth([...command, '--help']);
      const name = command.join(' ');
      assert.equal(help.code, 0, `${name}: ${help.stderr}`);
      assert.match(help.stdout, /^Exit codes:\n {2}0 {2}\S/m, `${name} documents exit codes`);
      assert.match(help.stdout, /\n {2}[2-5] {2}\S/, `${name} documents its failure codes`);
      assert.match(help.stdout, /^ {2}--json\s/m, `${name} has --json`);
    }
    assert.match((await runBerth(['tags', '--help'])).stdout, /--sort <order>\s+version \| pushed \| name/);
  });
});

describe('min-age gate across a re-push and a channel promotion', { timeout: 300_000 }, () => {
  let berth: TestBerth;
  after(() => berth?.stop());

  it('an image pushed again under another tag, or promoted to a channel, keeps its age', async () => {
    berth = await startTestBerth({});
    const admin = callerFor(berth, ADMIN);
    for (const name of ['app', 'rel']) expectStatus(await admin('POST', '/projects', { name, isPublic: false }), 201);
    const AGE_MS = 2_000;
    expectStatus(await admin('POST', '/projects/rel/promotion-gates', { kind: 'min-age', tag: '*', params: { hours: AGE_MS / 3_600_000 } }), 201);
    const image = await pushOk(berth.url, 'app/svc', '1.0.0', ['min-age layer']);
    await sleep(AGE_MS + 500);
    // CI tags the same build again (the registry sees the manifest pushed again), and a channel is promoted.
    assert.equal((await v2(berth.url, 'PUT', 'app/svc/manifests/rc', image.manifest)).status, 201);
    expectStatus(await admin('POST', '/promotions', { source: 'app/svc:1.0.0', to: 'staging' }), 200);
    for (const [source, to] of [['app/svc:rc', 'rel/svc:1.0.0'], ['app/svc:staging', 'rel/svc:staging']]) {
      const res = await admin('POST', '/promotions', { source, to });
      expectStatus(res, 200);
      assert.deepEqual(res.body.gates.map((g: { kind: string; passed: boolean }) => [g.kind, g.passed]), [['min-age', true]], `${source} -> ${to}`);
    }
  });
});

describe('a signed image retention deleted comes back signed', { timeout: 300_000 }, () => {
  let berth: TestBerth;
  after(() => berth?.stop());

  it('retention deletes the cosign .sig tag with the image\'s last tag; restore brings both back and the signature verifies', async () => {
    berth = await startTestBerth({ gc: { grace: GRACE } });
    const admin = callerFor(berth, ADMIN);
    const env = { BERTH_SERVER: berth.url, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD, BERTH_KEY_PASSWORD: KEY_PASSWORD };
    expectStatus(await admin('POST', '/projects', { name: 'ops', isPublic: false }), 201);
    const old = await pushOk(berth.url, 'ops/tool', '1.0.0', ['old tool']);
    const current = await pushOk(berth.url, 'ops/tool', '2.0.0', ['current tool']);
    for (const image of [old, current]) {
      const sign = await runBerth(['sign', `ops/tool:${image.tag}`, '--key', KEY], { env });
      assert.equal(sign.code, 0, sign.stderr);
    }
    const sigOf = (image: Image) => `sha256-${image.digest.slice('sha256:'.length)}.sig`;
    expectStatus(await admin('PUT', '/projects/ops/retention', { keepHighestVersions: 1, protectHistoryWindow: false }), 200);
    const run = await admin('POST', '/projects/ops/retention/runs', { dryRun: false });
    expectStatus(run, 200);
    assert.deepEqual(run.body.deleted.map((d: { tag: string }) => d.tag), ['1.0.0', sigOf(old)]);
    assert.deepEqual(run.body.kept.map((k: { tag: string; reason: string }) => [k.tag, k.reason]), [['2.0.0', 'highest-version'], [sigOf(current), 'attachment']]);
    assert.equal((await v2(berth.url, 'GET', `ops/tool/manifests/${sigOf(old)}`)).status, 404);

    await sleep(PAST_GRACE_MS);
    expectStatus(await admin('POST', '/gc', { dryRun: false }), 200);
    expectStatus(await admin('POST', `/repositories/${enc('ops/tool')}/tags/1.0.0/restore`, {}), 200);
    assert.equal((await v2(berth.url, 'GET', `ops/tool/manifests/${sigOf(old)}`)).status, 200, 'the signature tag is back');
    const history = await admin('GET', `/repositories/${enc('ops/tool')}/tags/${sigOf(old)}/history`);
    assert.deepEqual(history.body.items.map((h: { how: string }) => h.how), ['restore', 'retention', 'push']);
    const verify = await runBerth(['verify', 'ops/tool:1.0.0', '--key', KEY.replace(/\.key$/, '.pub')], { env });
    assert.equal(verify.code, 0, `${verify.stdout} ${verify.stderr}`);
  });
});
