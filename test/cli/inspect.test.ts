import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { pushImage, type PushedImage } from '../helpers/oci-client.ts';
import { pushIndex, pushReferrer, type PushedIndex } from './images.ts';
import { jsonOf, runBerth } from './run-berth.ts';

describe('berth inspect, referrers and delete', () => {
  let berth: TestBerth;
  let configHome: string;
  let env: Record<string, string>;
  let image: PushedImage;
  let index: PushedIndex;
  const layerContents = ['first layer', 'the second, longer layer'];

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: configHome };
    image = await pushImage(berth.url, 'proj/app', 'v1', layerContents);
    index = await pushIndex(berth.url, 'proj/multi', 'v1');
  });
  after(async () => {
    await berth.stop();
    await rm(configHome, { recursive: true, force: true });
  });

  it('shows an image: digest, media type, layers with sizes, total size', async () => {
    const run = await runBerth(['inspect', 'proj/app:v1', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf<Record<string, any>>(run);
    const configSize = (JSON.parse(image.manifest) as { config: { size: number } }).config.size;
    assert.equal(out.digest, image.digest);
    assert.equal(out.kind, 'image');
    assert.equal(out.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(out.sizeBytes, Buffer.byteLength(image.manifest));
    assert.equal(out.config.digest, image.config);
    assert.deepEqual(out.layers.map((l: { digest: string; size: number }) => [l.digest, l.size]), image.layers.map((d, i) => [d, Buffer.byteLength(layerContents[i]!)]));
    assert.equal(out.totalSizeBytes, configSize + Buffer.byteLength(layerContents[0]!) + Buffer.byteLength(layerContents[1]!));
  });

  it('prints the exact manifest bytes with --raw, by tag or by digest', async () => {
    for (const ref of ['proj/app:v1', `proj/app@${image.digest}`]) {
      const run = await runBerth(['inspect', ref, '--raw'], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, image.manifest);
    }
  });

  it('lists the platforms of an index', async () => {
    const run = await runBerth(['inspect', 'proj/multi:v1', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf<Record<string, any>>(run);
    assert.equal(out.kind, 'index');
    assert.equal(out.digest, index.digest);
    assert.deepEqual(
      out.manifests.map((m: { digest: string; platform: unknown }) => [m.digest, m.platform]),
      [
        [index.images[0]!.digest, { architecture: 'amd64', os: 'linux' }],
        [index.images[1]!.digest, { architecture: 'arm64', os: 'linux', variant: 'v8' }],
      ],
    );
    const human = await runBerth(['inspect', 'proj/multi:v1'], { env });
    assert.match(human.stdout, /linux\/amd64\s+sha256:/);
    assert.match(human.stdout, /linux\/arm64\/v8\s+sha256:/);
  });

  it('exits 5 for a missing tag', async () => {
    const run = await runBerth(['inspect', 'proj/app:missing', '--json'], { env });
    assert.equal(run.code, 5);
    assert.match(run.stderr, /MANIFEST_UNKNOWN/);
  });

  it('lists referrers, filtered by artifact type', async () => {
    const subject = await pushImage(berth.url, 'proj/signed', 'v1');
    const sbom = await pushReferrer(berth.url, 'proj/signed', subject, 'application/vnd.example.sbom');
    const sig = await pushReferrer(berth.url, 'proj/signed', subject, 'application/vnd.example.signature');
    const all = await runBerth(['referrers', 'proj/signed:v1', '--json'], { env });
    assert.equal(all.code, 0, all.stderr);
    const out = jsonOf<{ subject: { digest: string }; referrers: Array<{ digest: string; artifactType: string }> }>(all);
    assert.equal(out.subject.digest, subject.digest);
    assert.deepEqual(out.referrers.map((r) => r.digest).sort(), [sbom, sig].sort());
    const filtered = await runBerth(['referrers', `proj/signed@${subject.digest}`, '--artifact-type', 'application/vnd.example.sbom', '--json'], { env });
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(jsonOf<typeof out>(filtered).referrers.map((r) => [r.digest, r.artifactType]), [[sbom, 'application/vnd.example.sbom']]);
    const missing = await runBerth(['referrers', 'proj/signed:nope'], { env });
    assert.equal(missing.code, 5);
  });

  it('deletes only the tag for a tag, and the manifest for a digest', async () => {
    const pushed = await pushImage(berth.url, 'proj/doomed', 'v1');
    await pushImage(berth.url, 'proj/doomed', 'keep');
    const untag = await runBerth(['delete', 'proj/doomed:v1', '--json'], { env });
    assert.equal(untag.code, 0, untag.stderr);
    assert.deepEqual(jsonOf(untag), { deleted: 'tag', registry: new URL(berth.url).host, repository: 'proj/doomed', reference: 'v1' });
    assert.equal((await fetch(`${berth.url}/v2/proj/doomed/manifests/v1`, { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(`${berth.url}/v2/proj/doomed/manifests/${pushed.digest}`, { method: 'HEAD' })).status, 200);

    const byDigest = await runBerth(['delete', `proj/doomed@${pushed.digest}`, '--json'], { env });
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.equal(jsonOf(byDigest).deleted, 'manifest');
    assert.equal((await fetch(`${berth.url}/v2/proj/doomed/manifests/${pushed.digest}`, { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(`${berth.url}/v2/proj/doomed/manifests/keep`, { method: 'HEAD' })).status, 200);

    const again = await runBerth(['delete', `proj/doomed@${pushed.digest}`], { env });
    assert.equal(again.code, 5);
  });

  it('refuses to delete without an explicit tag or digest', async () => {
    const run = await runBerth(['delete', 'proj/app'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /name the tag or digest/);
    assert.equal((await fetch(`${berth.url}/v2/proj/app/manifests/v1`, { method: 'HEAD' })).status, 200);
  });
});
