/**
 * Promotion and release notes against a real Berth (auth on), with the real CLI for `berth sign`,
 * `berth release-notes` and `berth promote`: referrers travel with the image across projects, no blob bytes are
 * written again, each gate passes and fails with its reason, permissions are enforced, and the CLI's --json and
 * exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { sha256 } from '../helpers/oci-client.ts';
import { jsonOf, runBerth } from '../cli/run-berth.ts';
import { basic, expectProblem, expectStatus, passwordOf, startApiFixture, type ApiFixture, type Caller } from './api-client.ts';

const ADMIN = basic('admin', TEST_ADMIN_PASSWORD);
const NOTES_TYPE = 'application/vnd.berth.release-notes.v1+json';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const KEY = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cosign', 'cosign-p256.key');
const KEY_PASSWORD = 'berth-fixture-password';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

async function pushImage(base: string, repo: string, tag: string, layers: string[], auth = ADMIN): Promise<string> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, repo, tag });
  for (const blob of [config, ...layers]) {
    const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob, headers: { authorization: auth, 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, `blob into ${repo}: ${await res.text()}`);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(l), size: l.length })),
  });
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { authorization: auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 201, `manifest ${repo}:${tag}: ${await res.text()}`);
  return sha256(manifest);
}

/** PUTs a JSON manifest under `ref` (its digest when omitted); returns the digest. */
async function putJson(base: string, repo: string, ref: string | undefined, doc: unknown, mediaType: string): Promise<string> {
  const bytes = JSON.stringify(doc);
  const res = await fetch(`${base}/v2/${repo}/manifests/${ref ?? sha256(bytes)}`, { method: 'PUT', body: bytes, headers: { authorization: ADMIN, 'content-type': mediaType } });
  assert.equal(res.status, 201, `PUT ${repo}:${ref}: ${await res.text()}`);
  return sha256(bytes);
}

/** An artifact without a subject (as a client on a registry without the referrers API pushes it): its descriptor. */
async function pushArtifact(base: string, repo: string, content: string, artifactType: string): Promise<{ mediaType: string; digest: string; size: number; artifactType: string }> {
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${sha256(content)}`, { method: 'POST', body: content, headers: { authorization: ADMIN, 'content-type': 'application/octet-stream' } });
  assert.equal(res.status, 201);
  const doc = {
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: 'text/plain', digest: sha256(content), size: content.length }],
  };
  const digest = await putJson(base, repo, undefined, doc, OCI_MANIFEST);
  return { mediaType: OCI_MANIFEST, digest, size: JSON.stringify(doc).length, artifactType };
}

async function v2(base: string, path: string, auth = ADMIN): Promise<{ status: number; body: any; digest: string | null }> {
  const res = await fetch(`${base}/v2/${path}`, { headers: { authorization: auth, accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, digest: res.headers.get('docker-content-digest') };
}

/** Every committed blob file in the data directory (one per digest). */
async function blobFiles(dataDir: string): Promise<number> {
  const entries = await readdir(join(dataDir, 'blobs'), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

describe('promotion and release notes', { timeout: 600_000 }, () => {
  let f: ApiFixture;
  let dir: string;
  let dev: Caller;
  let image: string;
  const env = (user = 'admin', password = TEST_ADMIN_PASSWORD) => ({ BERTH_SERVER: f.berth.url, BERTH_USER: user, BERTH_PASSWORD: password, BERTH_KEY_PASSWORD: KEY_PASSWORD });

  before(async () => {
    f = await startApiFixture();
    dir = await mkdtemp(join(tmpdir(), 'berth-promotion-'));
    dev = await f.user('dev');
    await f.user('tester');
    await f.project('build');
    await f.project('release');
    await f.grant('build', 'dev', 'developer');
    await f.grant('release', 'dev', 'guest');
    await f.grant('build', 'tester', 'guest');
    image = await pushImage(f.berth.url, 'build/app', '1.0.0', ['base-layer'.repeat(100), 'app-layer-1']);
  });
  after(async () => {
    await f?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('release notes: set through the registry with the CLI, shown by the API and the CLI (newest wins)', async () => {
    await writeFile(join(dir, 'OLD.md'), '# old\n');
    const first = await runBerth(['release-notes', 'set', 'build/app:1.0.0', '--file', join(dir, 'OLD.md'), '--json'], { env: env() });
    assert.equal(first.code, 0, first.stderr);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(dir, 'NOTES.md'), '# 1.0.0\n\nFirst release.\n');
    const run = await runBerth(['release-notes', 'set', 'build/app:1.0.0', '--file', join(dir, 'NOTES.md'), '--changes', 'faster start', '--known-issues', 'no arm64', '--upgrade', 'run migrations', '--json'], { env: env() });
    assert.equal(run.code, 0, run.stderr);
    const set = jsonOf<{ image: { digest: string }; manifest: string; isFallback: boolean }>(run);
    assert.equal(set.image.digest, image);
    assert.equal(set.isFallback, false);
    const referrers = await v2(f.berth.url, `build/app/referrers/${image}?artifactType=${encodeURIComponent(NOTES_TYPE)}`);
    assert.equal(referrers.body.manifests.length, 2);
    const api = await f.admin('GET', `/repositories/${encodeURIComponent('build/app')}/release-notes/1.0.0`);
    expectStatus(api, 200);
    assert.equal(api.body.manifest, set.manifest, 'the newest note wins');
    assert.equal(api.body.count, 2);
    assert.deepEqual({ ...api.body.notes, createdAt: 'x' }, { schemaVersion: 1, markdown: '# 1.0.0\n\nFirst release.\n', changes: ['faster start'], knownIssues: ['no arm64'], upgrade: ['run migrations'], createdAt: 'x' });
    const show = await runBerth(['release-notes', 'show', 'build/app:1.0.0'], { env: env() });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Changes:\n {2}- faster start/);
    assert.match(show.stdout, /First release\./);
    const missing = await runBerth(['release-notes', 'show', `build/app@${sha256('nothing')}`], { env: env() });
    assert.equal(missing.code, 5, missing.stderr);
    expectStatus(await callerOutsider(f)('GET', `/repositories/${encodeURIComponent('build/app')}/release-notes/1.0.0`), 404);
  });

  it('promotes across projects with signatures and release notes, linking blobs without writing bytes', async () => {
    const sign = await runBerth(['sign', 'build/app:1.0.0', '--key', KEY, '--json'], { env: env() });
    assert.equal(sign.code, 0, sign.stderr);
    const signed = jsonOf<{ tag: { tag: string; manifest: string }; referrer: { manifest: string } }>(sign);
    const filesBefore = await blobFiles(f.berth.dataDir);

    const res = await f.admin('POST', '/promotions', { source: 'build/app:1.0.0', to: 'release/app:1.0.0' });
    expectStatus(res, 200);
    assert.equal(res.body.moved, true);
    assert.equal(res.body.target.previous, null);
    assert.equal(await blobFiles(f.berth.dataDir), filesBefore, 'no blob file was written');
    assert.ok(res.body.copied.blobsLinked >= 4, `blobs linked: ${res.body.copied.blobsLinked}`);

    const pulled = await v2(f.berth.url, 'release/app/manifests/1.0.0');
    assert.equal(pulled.status, 200);
    assert.equal(pulled.digest, image);
    for (const layer of pulled.body.layers) {
      const blob = await fetch(`${f.berth.url}/v2/release/app/blobs/${layer.digest}`, { headers: { authorization: ADMIN } });
      assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), layer.digest);
    }
    const referrers = await v2(f.berth.url, `release/app/referrers/${image}`);
    const types = referrers.body.manifests.map((d: { artifactType: string }) => d.artifactType);
    assert.ok(types.includes(BUNDLE), `signature referrer travelled: ${types}`);
    assert.equal(types.filter((t: string) => t === NOTES_TYPE).length, 2, 'both release notes travelled');
    const sig = await v2(f.berth.url, `release/app/manifests/${signed.tag.tag}`);
    assert.equal(sig.digest, signed.tag.manifest, 'the cosign .sig tag travelled');
    const notes = await f.admin('GET', `/repositories/${encodeURIComponent('release/app')}/release-notes/1.0.0`);
    expectStatus(notes, 200);
    assert.deepEqual(notes.body.notes.changes, ['faster start']);
    const verify = await runBerth(['verify', 'release/app:1.0.0', '--key', KEY.replace(/\.key$/, '.pub'), '--json'], { env: env() });
    assert.equal(verify.code, 0, `the signature verifies on the target: ${verify.stdout} ${verify.stderr}`);

    await f.berth.auth.audit.flush();
    const audit = await f.admin('GET', '/audit?action=promotion');
    expectStatus(audit, 200);
    const event = audit.body.items.find((e: { repository: string }) => e.repository === 'release/app');
    assert.ok(event, 'promotion audited');
    assert.equal(event.digest, image);
    assert.equal(event.detail.source, 'build/app:1.0.0');

    const again = await f.admin('POST', '/promotions', { source: 'build/app:1.0.0', to: 'release/app:1.0.0' });
    expectStatus(again, 200);
    assert.equal(again.body.moved, false, 'promoting again changes nothing');
  });

  it('an index travels with its platform manifests; a fallback index is merged with the target\'s; tag history records the promotion', async () => {
    const amd = await pushImage(f.berth.url, 'build/multi', 'amd', ['multi-amd']);
    const arm = await pushImage(f.berth.url, 'build/multi', 'arm', ['multi-arm']);
    const child = (digest: string, architecture: string) => ({ mediaType: OCI_MANIFEST, digest, size: 0, platform: { os: 'linux', architecture } });
    const sizes = await Promise.all([amd, arm].map(async (d) => (await fetch(`${f.berth.url}/v2/build/multi/manifests/${d}`, { method: 'HEAD', headers: { authorization: ADMIN } })).headers.get('content-length')));
    const index = await putJson(f.berth.url, 'build/multi', '1.0', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...child(amd, 'amd64'), size: Number(sizes[0]) }, { ...child(arm, 'arm64'), size: Number(sizes[1]) }] }, OCI_INDEX);
    const fallbackTag = `sha256-${index.slice('sha256:'.length)}`;
    const sbom = await pushArtifact(f.berth.url, 'build/multi', 'sbom of 1.0', 'application/spdx+json');
    await putJson(f.berth.url, 'build/multi', fallbackTag, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [sbom] }, OCI_INDEX);
    // The target already lists an attestation of its own for the same image.
    const theirs = await pushArtifact(f.berth.url, 'release/multi', 'attestation made in release', 'application/vnd.in-toto+json');
    await putJson(f.berth.url, 'release/multi', fallbackTag, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [theirs] }, OCI_INDEX);

    const res = await f.admin('POST', '/promotions', { source: 'build/multi:1.0', to: 'release/multi:1.0' });
    expectStatus(res, 200);
    assert.equal((await v2(f.berth.url, 'release/multi/manifests/1.0')).digest, index);
    for (const d of [amd, arm]) assert.equal((await v2(f.berth.url, `release/multi/manifests/${d}`)).status, 200, `child ${d}`);
    assert.equal((await v2(f.berth.url, 'release/multi/manifests/amd')).status, 404, 'the source\'s other tags stay behind');
    const merged = await v2(f.berth.url, `release/multi/manifests/${fallbackTag}`);
    assert.deepEqual(merged.body.manifests.map((d: { digest: string }) => d.digest), [theirs.digest, sbom.digest]);
    const referrers = await v2(f.berth.url, `release/multi/referrers/${index}`);
    assert.deepEqual(referrers.body.manifests.map((d: { digest: string }) => d.digest).sort(), [theirs.digest, sbom.digest].sort());

    const history = await f.berth.meta.tagHistory.list('release/multi' as never, '1.0' as never, { limit: 10 });
    assert.equal(history.items[0]?.how, 'promotion');
    assert.equal(history.items[0]?.actor, 'admin');
    assert.equal(history.items[0]?.to, index);
    expectProblem(await f.admin('POST', '/promotions', { source: 'build/multi:1.0', to: 'nowhere/multi:1.0' }), 404, 'RESOURCE_UNKNOWN');
  });

  it('a channel is a tag in the same repository; pull on the source and push on the target are required', async () => {
    const res = await dev('POST', '/promotions', { source: 'build/app:1.0.0', to: 'staging' });
    expectStatus(res, 200);
    assert.deepEqual(res.body.target, { repository: 'build/app', tag: 'staging', previous: null });
    assert.equal((await v2(f.berth.url, 'build/app/manifests/staging')).digest, image);
    expectProblem(await dev('POST', '/promotions', { source: 'build/app:1.0.0', to: 'release/app:2' }), 403, 'DENIED');
    const tester = await f.user('other');
    expectProblem(await tester('POST', '/promotions', { source: 'build/app:1.0.0', to: 'staging' }), 404, 'MANIFEST_UNKNOWN');
    expectProblem(await dev('POST', '/promotions', { source: 'build/app:nope', to: 'staging' }), 404, 'MANIFEST_UNKNOWN');
  });

  it('each gate passes and fails with its reason; manage-settings is needed to add one', async () => {
    const gates = `/projects/release/promotion-gates`;
    expectProblem(await dev('POST', gates, { kind: 'release-note' }), 403, 'DENIED');
    expectProblem(await f.admin('POST', gates, { kind: 'nope' }), 400, 'BAD_REQUEST');
    expectProblem(await f.admin('POST', gates, { kind: 'min-age', params: { hours: -1 } }), 400, 'BAD_REQUEST');
    const age = await f.admin('POST', gates, { kind: 'min-age', tag: 'prod', params: { hours: 1 } });
    expectStatus(age, 201);
    expectStatus(await f.admin('POST', gates, { kind: 'pulled-by', tag: 'prod', params: { principal: 'tester' } }), 201);
    expectStatus(await f.admin('POST', gates, { kind: 'release-note', tag: 'prod' }), 201);
    assert.equal((await dev('GET', gates)).body.items.length, 3);

    const other = await pushImage(f.berth.url, 'build/app', '2.0.0', ['app-layer-2']);
    const refused = await f.admin('POST', '/promotions', { source: 'build/app:2.0.0', to: 'release/app:prod' });
    const problem = expectProblem(refused, 412, 'PROMOTION_GATE_FAILED');
    assert.match(problem.detail, /min-age/);
    const results = (problem.context as { gates: Array<{ kind: string; passed: boolean; reason: string }> }).gates;
    assert.deepEqual(results.map((g) => [g.kind, g.passed]), [['min-age', false], ['pulled-by', false], ['release-note', false]]);
    assert.match(results[0]!.reason, /needs 1/);
    assert.match(results[1]!.reason, /never pulled .* by tester/);
    assert.match(results[2]!.reason, /no release notes/);
    assert.equal((await v2(f.berth.url, 'release/app/manifests/prod')).status, 404, 'nothing moved');
    // A gate on prod does not guard other tags.
    expectStatus(await f.admin('POST', '/promotions', { source: 'build/app:2.0.0', to: 'release/app:2.0.0', dryRun: true }), 200);

    // Make each pass: the tester pulls it, notes are attached; age is lowered by replacing the gate.
    assert.equal((await v2(f.berth.url, 'build/app/manifests/2.0.0', basic('tester', passwordOf('tester')))).digest, other);
    await f.berth.auth.audit.flush();
    await writeFile(join(dir, 'TWO.md'), 'two');
    assert.equal((await runBerth(['release-notes', 'set', 'build/app:2.0.0', '--file', join(dir, 'TWO.md')], { env: env() })).code, 0);
    expectStatus(await f.admin('DELETE', `${gates}/${age.body.id}`), 204);
    expectStatus(await f.admin('POST', gates, { kind: 'min-age', tag: 'prod', params: { hours: 0.000001 } }), 201);

    const dry = await runBerth(['promote', 'build/app:2.0.0', '--to', 'release/app:prod', '--dry-run', '--json'], { env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    const view = jsonOf<{ allowed: boolean; moved: boolean; gates: Array<{ kind: string; passed: boolean; reason: string }> }>(dry);
    assert.equal(view.allowed, true);
    assert.equal(view.moved, false);
    assert.deepEqual(view.gates.map((g) => [g.kind, g.passed]), [['pulled-by', true], ['release-note', true], ['min-age', true]]);
    assert.match(view.gates[0]!.reason, /pulled by tester/);
    assert.equal((await v2(f.berth.url, 'release/app/manifests/prod')).status, 404, 'a dry run moves nothing');

    const real = await runBerth(['promote', 'build/app:2.0.0', '--to', 'release/app:prod', '--json'], { env: env() });
    assert.equal(real.code, 0, real.stderr);
    assert.equal(jsonOf<{ moved: boolean }>(real).moved, true);
    assert.equal((await v2(f.berth.url, 'release/app/manifests/prod')).digest, other);
  });

  it('CLI: a failed gate exits 1 and --json lists every gate result; no push exits 4', async () => {
    await pushImage(f.berth.url, 'build/app', '3.0.0', ['app-layer-3']);
    const run = await runBerth(['promote', 'build/app:3.0.0', '--to', 'release/app:prod', '--json'], { env: env() });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /PROMOTION_GATE_FAILED/);
    const view = jsonOf<{ allowed: boolean; gates: Array<{ kind: string; passed: boolean }> }>(run);
    assert.equal(view.allowed, false);
    assert.deepEqual(view.gates.map((g) => [g.kind, g.passed]), [['pulled-by', false], ['release-note', false], ['min-age', true]]);
    const denied = await runBerth(['promote', 'build/app:3.0.0', '--to', 'release/app:3'], { env: env('dev', passwordOf('dev')) });
    assert.equal(denied.code, 4, denied.stderr);
    const help = await runBerth(['promote', '--help']);
    assert.match(help.stdout, /Exit codes:[\s\S]*1 {2}a gate did not pass/);
  });

  it('CLI: promotion-gates add, list and remove with --json; bad usage exits 2, a non-manager 4', async () => {
    const add = await runBerth(['promotion-gates', 'add', 'release', '--kind', 'pulled-by', '--principal', 'robot$release+qa', '--tag', 'cli-only', '--json'], { env: env() });
    assert.equal(add.code, 0, add.stderr);
    const gate = jsonOf<{ id: string; kind: string; tag: string; repository: string; params: Record<string, unknown>; createdBy: string }>(add);
    assert.deepEqual([gate.kind, gate.tag, gate.repository, gate.params, gate.createdBy], ['pulled-by', 'cli-only', '**', { principal: 'robot$release+qa' }, 'admin']);
    const list = await runBerth(['promotion-gates', 'list', 'release', '--json'], { env: env('dev', passwordOf('dev')) });
    assert.equal(list.code, 0, list.stderr);
    assert.ok(jsonOf<{ items: Array<{ id: string }> }>(list).items.some((g) => g.id === gate.id));
    const text = await runBerth(['promotion-gates', 'list', 'release'], { env: env() });
    assert.match(text.stdout, new RegExp(`${gate.id}\\s+\\*\\*\\s+cli-only\\s+pulled-by`));
    assert.equal((await runBerth(['promotion-gates', 'add', 'release', '--kind', 'min-age', '--hours', 'soon'], { env: env() })).code, 2);
    assert.equal((await runBerth(['promotion-gates', 'add', 'release', '--kind', 'no-such-kind'], { env: env() })).code, 2);
    assert.equal((await runBerth(['promotion-gates', 'remove', 'release', gate.id], { env: env('dev', passwordOf('dev')) })).code, 4);
    const removed = await runBerth(['promotion-gates', 'remove', 'release', gate.id, '--json'], { env: env() });
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(jsonOf(removed), { removed: gate.id });
    assert.equal((await runBerth(['promotion-gates', 'remove', 'release', gate.id], { env: env() })).code, 5);
    await f.berth.auth.audit.flush();
    const audit = await f.admin('GET', '/audit?action=promotion-gate.remove');
    assert.ok(audit.body.items.some((e: { detail: { id: string } }) => e.detail.id === gate.id), 'removal audited');
  });

  it('the project\'s tag rules apply: an immutable tag is never moved by a promotion', async () => {
    expectStatus(await f.admin('POST', '/projects/release/tag-rules/immutable', { name: 'frozen-releases', repositories: '**', tags: 'frozen' }), 201);
    const first = await f.admin('POST', '/promotions', { source: 'build/app:1.0.0', to: 'release/app:frozen' });
    expectStatus(first, 200);
    const dry = await f.admin('POST', '/promotions', { source: 'build/app:2.0.0', to: 'release/app:frozen', dryRun: true });
    expectStatus(dry, 200);
    assert.equal(dry.body.allowed, false);
    assert.match(dry.body.tagRule.reason, /frozen-releases/);
    const refused = expectProblem(await f.admin('POST', '/promotions', { source: 'build/app:2.0.0', to: 'release/app:frozen' }), 403, 'DENIED');
    assert.match(refused.detail, /frozen-releases/);
    assert.equal((await v2(f.berth.url, 'release/app/manifests/frozen')).digest, image, 'the tag did not move');
  });
});

function callerOutsider(f: ApiFixture): Caller {
  return (method, path, body) => f.user('outsider-notes').then((c) => c(method, path, body));
}
