/**
 * The version lifecycle with real clients (#4): skopeo pushes built images and sees each naming rule's and the
 * immutable rule's refusal in its error; a tag moved away is kept by GC inside the history window and podman
 * pulls it back after a rollback; a promotion to another project is pulled by skopeo and podman; a tag retention
 * deleted is restored and pulls intact.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { runGc, sleep } from '../helpers/gc-kit.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';
import { fetchManifest } from './registry-http.ts';

const PAST_GRACE_MS = 1_300;

interface PodmanImage {
  Id: string;
  Digest: string;
}

describe('version lifecycle with skopeo and podman', { timeout: 600_000 }, () => {
  let berth: TestBerth;
  let tools: ContainersSandbox;
  let work: string;
  let v1: BuiltImage;
  let v2: BuiltImage;
  let host: string;
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${berth.url}/api/v1${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const created = async (path: string, body: unknown) => {
    const res = await api('POST', path, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const copy = (image: BuiltImage, ref: string) => tools.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:${image.tag}`, `docker://${host}/${ref}`]);
  /** skopeo quotes the registry's message inside its own, escaping the quotes. */
  const quoted = (message: string) => new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '\\\\"'));

  before(async () => {
    assertToolsInstalled('skopeo', 'podman');
    berth = await startTestBerth({ gc: { grace: '1s' } }, { open: true });
    host = new URL(berth.url).host;
    tools = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-lifecycle-'));
    const base = { 'usr/share/base.txt': 'the shared base layer\n'.repeat(500) };
    v1 = await testImage().layer(base).layer({ 'etc/motd': 'version 1\n' }).config({ Env: ['VERSION=1'] }).build(join(work, 'v1'), 'v1');
    v2 = await testImage().layer(base).layer({ 'etc/motd': 'version 2\n' }).config({ Env: ['VERSION=2'] }).build(join(work, 'v2'), 'v2');
    for (const name of ['web', 'prod']) await created('/projects', { name, isPublic: false });
    await created('/projects/web/tag-rules/naming', { name: 'lowercase', repositories: 'conv' });
    await created('/projects/web/tag-rules/naming', { name: 'short', repositories: 'short', maxLength: 8 });
    await created('/projects/web/tag-rules/naming', { name: 'release-forms', repositories: 'forms', forms: ['semver', 'pattern'], pattern: 'release-*' });
    await created('/projects/web/tag-rules/naming', { name: 'warn-semver', repositories: 'warned', mode: 'warn', forms: ['semver'] });
    await created('/projects/web/tag-rules/immutable', { name: 'frozen', repositories: 'app', tags: '1.*' });
  });
  after(async () => {
    await tools?.dispose();
    await berth?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('each naming rule refuses a skopeo push with its reason; a warn rule lets it through', async () => {
    const refusals: Array<[string, string]> = [
      ['web/conv:Nightly_Build', 'tag "Nightly_Build" breaks naming rule "lowercase": not lowercase'],
      ['web/short:1.0.0-rc.10', 'tag "1.0.0-rc.10" breaks naming rule "short": longer than 8 characters'],
      ['web/forms:nightly', 'tag "nightly" breaks naming rule "release-forms": it is none of the allowed forms; allowed: semver, pattern release-*'],
    ];
    for (const [ref, message] of refusals) {
      await assert.rejects(copy(v1, ref), (err: Error) => {
        assert.match(err.message, quoted(message), ref);
        return true;
      });
      const [repo, tag] = ref.split(':') as [string, string];
      assert.equal((await fetchManifest(berth.url, repo, tag)).status, 404, `${ref} was not tagged`);
    }
    for (const ref of ['web/conv:nightly-build', 'web/short:1.0.0', 'web/forms:release-7', 'web/forms:2.0.0', 'web/warned:nightly']) {
      await copy(v1, ref);
      const [repo, tag] = ref.split(':') as [string, string];
      assert.equal((await fetchManifest(berth.url, repo, tag)).digest, v1.manifest.digest, ref);
    }
  });

  it('an immutable tag: skopeo cannot move or delete it and sees the rule', async () => {
    await copy(v1, 'web/app:1.0.0');
    await copy(v1, 'web/app:1.0.0'); // the same digest again is fine
    await assert.rejects(copy(v2, 'web/app:1.0.0'), (err: Error) => {
      assert.match(err.message, quoted('tag web/app:1.0.0 is immutable (rule "frozen": tags 1.* in app) and cannot be moved to another digest'));
      return true;
    });
    await assert.rejects(tools.skopeo(['delete', '--tls-verify=false', `docker://${host}/web/app:1.0.0`]), (err: Error) => {
      // skopeo deletes by digest after resolving the tag; Berth refuses, since that would take the tag along.
      assert.match(err.message, /tag web\/app:1\.0\.0 is immutable \(rule \\+"frozen\\+": tags 1\.\* in app\) and cannot be deleted/);
      return true;
    });
    assert.equal((await fetchManifest(berth.url, 'web/app', '1.0.0')).digest, v1.manifest.digest);
  });

  it('GC keeps the image a tag moved away from; after a rollback podman pulls it', async () => {
    await copy(v1, 'web/app:stable');
    await copy(v2, 'web/app:stable');
    await sleep(PAST_GRACE_MS);
    const report = await runGc(berth.url, false);
    assert.ok(report);
    assert.deepEqual([report.manifests, report.blobs], [0, 0]);
    const rolled = await api('POST', `/repositories/${encodeURIComponent('web/app')}/tags/stable/rollback`, {});
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.deepEqual([rolled.body.from, rolled.body.to], [v2.manifest.digest, v1.manifest.digest]);
    await tools.podman(['pull', '--tls-verify=false', `${host}/web/app:stable`]);
    const [pulled] = JSON.parse((await tools.podman(['image', 'inspect', `${host}/web/app:stable`])).stdout) as PodmanImage[];
    assert.equal(pulled?.Digest, v1.manifest.digest);
    assert.equal(`sha256:${pulled?.Id}`, v1.config.digest);
  });

  it('a promotion to another project pulls with skopeo and podman, byte for byte', async () => {
    const promoted = await api('POST', '/promotions', { source: 'web/app:stable', to: 'prod/app:1.0.0' });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    const inspected = JSON.parse((await tools.skopeo(['inspect', '--tls-verify=false', `docker://${host}/prod/app:1.0.0`])).stdout) as { Digest: string; Layers: string[]; Env: string[] };
    assert.equal(inspected.Digest, v1.manifest.digest);
    assert.deepEqual(inspected.Layers, v1.layers.map((l) => l.digest));
    assert.ok(inspected.Env.includes('VERSION=1'));
    // skopeo checks every blob's digest on the way into a fresh layout.
    await tools.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/prod/app:1.0.0`, `oci:${join(work, 'pulled')}:prod`]);
    await tools.podman(['pull', '--tls-verify=false', `${host}/prod/app:1.0.0`]);
    const [pulled] = JSON.parse((await tools.podman(['image', 'inspect', `${host}/prod/app:1.0.0`])).stdout) as PodmanImage[];
    assert.equal(pulled?.Digest, v1.manifest.digest);
  });

  it('a tag retention deleted is gone for skopeo, restored, and pulls intact', async () => {
    assert.equal((await api('PUT', '/projects/web/retention', { keepPatterns: ['1.*', 'release-*', 'nightly*', '2.*'], protectHistoryWindow: false })).status, 200);
    const run = await api('POST', '/projects/web/retention/runs', { dryRun: false });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.deepEqual(run.body.deleted.map((d: { repository: string; tag: string }) => `${d.repository}:${d.tag}`), ['web/app:stable']);
    await assert.rejects(tools.skopeo(['inspect', '--tls-verify=false', `docker://${host}/web/app:stable`]), /manifest unknown/);
    await sleep(PAST_GRACE_MS);
    const report = await runGc(berth.url, false);
    assert.ok(report);
    assert.equal(report.manifests, 0, 'history keeps the deleted tag\'s image');
    const restored = await api('POST', `/repositories/${encodeURIComponent('web/app')}/tags/stable/restore`, {});
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.to, v1.manifest.digest);
    await tools.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/web/app:stable`, `oci:${join(work, 'restored')}:stable`]);
    const inspected = JSON.parse((await tools.skopeo(['inspect', `oci:${join(work, 'restored')}:stable`])).stdout) as { Digest: string };
    assert.equal(inspected.Digest, v1.manifest.digest);
  });
});
