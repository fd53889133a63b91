import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageAnalysis } from '../../src/analyze/analysis.types.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { testImage, testIndex, whiteout, type BuiltImage, type BuiltIndex } from '../helpers/test-image.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n';

/** Known waste: 6000 bytes written then deleted, a 200-byte file overwritten, an apt cache, a key committed then deleted. */
function wastefulImage() {
  return testImage()
    .layer({ 'etc/os-release': 'ID=debian\n', 'var/lib/apt/lists/main_Packages': 'p'.repeat(3000), 'usr/bin/gcc': 'g'.repeat(1500) })
    .layer({ 'tmp/src.tar': 's'.repeat(6000), 'etc/app.conf': 'a'.repeat(200), 'root/deploy.pem': KEY })
    .layer({ [whiteout('tmp/src.tar')]: '', [whiteout('root/deploy.pem')]: '', 'etc/app.conf': 'b'.repeat(300) })
    .history([{ created_by: 'ADD rootfs /' }, { created_by: 'ENV A=1', empty_layer: true }, { created_by: 'RUN build' }, { created_by: 'RUN cleanup' }]);
}
const KEY_BYTES = Buffer.byteLength(KEY);
const FILE_BYTES = 10 + 3000 + 1500 + 6000 + 200 + KEY_BYTES + 300;
const WASTED = 6000 + 200 + KEY_BYTES;

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

/** What every source of the wasteful image must give, whatever its layer digests. */
function assertWasteful(analysis: ImageAnalysis): void {
  assert.equal(analysis.schemaVersion, 1);
  const [image] = analysis.images;
  assert.ok(image);
  assert.deepEqual(image.layers.map((l) => l.createdBy), ['ADD rootfs /', 'RUN build', 'RUN cleanup']);
  assert.equal(image.waste.layerFileBytes, FILE_BYTES);
  assert.equal(image.waste.wastedBytes, WASTED);
  assert.equal(image.waste.deletedBytes, 6000 + KEY_BYTES);
  assert.equal(image.waste.efficiency, (FILE_BYTES - WASTED) / FILE_BYTES);
  assert.deepEqual(image.secrets.map((s) => [s.kind, s.path, s.layer, s.removedInLayer]), [['private-key', 'root/deploy.pem', 1, 2]]);
  assert.deepEqual(image.advice.map((a) => a.id).sort(), ['build-toolchain', 'deleted-files', 'no-healthcheck', 'overwritten-files', 'package-cache', 'runs-as-root', 'secrets']);
  assert.equal(image.advice.find((a) => a.id === 'package-cache')!.savesBytes, 3000);
  assert.deepEqual(image.finalFiles.filter((f) => f.type === 'file').map((f) => [f.path, f.sizeBytes, f.layer]), [
    ['etc/app.conf', 300, 2],
    ['etc/os-release', 10, 0],
    ['usr/bin/gcc', 1500, 0],
    ['var/lib/apt/lists/main_Packages', 3000, 0],
  ]);
}

describe('berth analyze', () => {
  let dir: string;
  let built: BuiltImage;
  let index: BuiltIndex;
  let open: TestBerth;
  let guarded: TestBerth;
  let sandbox: ContainersSandbox;

  before(async () => {
    assertToolsInstalled('skopeo', 'unshare');
    dir = await mkdtemp(join(tmpdir(), 'berth-analyze-cli-'));
    built = await wastefulImage().build(join(dir, 'layout'), 'v1');
    index = await testIndex()
      .image(testImage().platform({ os: 'linux', architecture: 'amd64' }).layer({ 'bin/app': 'x'.repeat(100) }).config({ User: 'app' }))
      .image(testImage().platform({ os: 'linux', architecture: 'arm64', variant: 'v8' }).layer({ 'bin/app': 'y'.repeat(250) }))
      .build(join(dir, 'index'), 'multi');
    [open, guarded, sandbox] = await Promise.all([startTestBerth({}, { open: true }), startTestBerth(), createContainersSandbox()]);
  });
  after(async () => {
    await Promise.all([open?.stop(), guarded?.stop(), sandbox?.dispose()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('analyses an OCI layout: JSON with exact bytes, and a readable report', async () => {
    const json = jsonOf<ImageAnalysis>(ok(await runBerth(['analyze', `oci:${built.dir}:v1`, '--json'])));
    assert.equal(json.source, `oci:${built.dir}:v1`);
    assert.equal(json.digest, built.manifest.digest);
    assertWasteful(json);
    assert.deepEqual(json.images[0]!.layers.map((l) => [l.digest, l.compressedBytes]), built.layers.map((l) => [l.digest, l.size]));

    const text = ok(await runBerth(['analyze', `oci:${built.dir}`])).stdout;
    assert.match(text, new RegExp(`Digest: +${built.manifest.digest}`));
    assert.match(text, /Layers \(3\)/);
    assert.match(text, /RUN cleanup/);
    const efficiency = (((FILE_BYTES - WASTED) / FILE_BYTES) * 100).toFixed(1);
    assert.match(text, new RegExp(`Efficiency: ${efficiency}%`));
    assert.match(text, /private-key +root\/deploy\.pem +added in layer 1 +removed in layer 2/);
    assert.match(text, /\[high\] 1 secret\(s\) committed/);
    assert.match(text, /Package manager caches left in the image: var\/lib\/apt\/lists\//);
    assert.doesNotMatch(text, /PATH +SIZE +LAYER/, 'no tree without --files');
  });

  it('prints the final filesystem tree with --files', async () => {
    const text = ok(await runBerth(['analyze', `oci:${built.dir}:v1`, '--files'])).stdout;
    const tree = text.slice(text.indexOf('\nFinal filesystem:\nPATH'));
    assert.match(tree, /PATH +SIZE +LAYER/);
    assert.match(tree, /^ {8}main_Packages +2\.9 KiB +layer 0$/m);
    assert.match(tree, /^ {2}app\.conf +300 B +layer 2$/m);
    assert.match(tree, /^tmp\/ +layer 2$/m, 'the emptied directory stays, as the whiteout layer lists it');
    assert.doesNotMatch(tree, /src\.tar|deploy\.pem/, 'deleted files are not in the final tree');
  });

  it('exits 1 with --fail-on-secrets when a key was committed, 0 without it', async () => {
    const run = await runBerth(['analyze', `oci:${built.dir}:v1`, '--fail-on-secrets', '--json']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /1 secret\(s\) found/);
    assertWasteful(jsonOf<ImageAnalysis>(run));
    const clean = await runBerth(['analyze', `oci:${index.dir}:multi`, '--fail-on-secrets']);
    assert.equal(clean.code, 0, clean.stderr);
  });

  it('analyses a docker save archive written by skopeo, by tag and as its only image', async () => {
    const archive = join(dir, 'image.tar');
    await sandbox.skopeo(['copy', `oci:${built.dir}:v1`, `docker-archive:${archive}:proj/app:v1`]);
    for (const ref of [`docker-archive:${archive}:proj/app:v1`, `docker-archive:${archive}`]) {
      const json = jsonOf<ImageAnalysis>(ok(await runBerth(['analyze', ref, '--json'])));
      assert.equal(json.source, ref);
      assertWasteful(json);
    }
  });

  it('analyses an image pushed to a running Berth, and each platform of an index', async () => {
    const client = new RegistryClient({ host: new URL(open.url).host, baseUrl: open.url }, undefined);
    await pushBuilt(client, 'proj/app', built, 'v1');
    for (const image of index.images) await pushBuilt(client, 'proj/multi', image, image.manifest.digest);
    await client.putManifest('proj/multi', 'v1', index.index.bytes, index.index.mediaType);
    const env = { BERTH_SERVER: open.url };

    const json = jsonOf<ImageAnalysis>(ok(await runBerth(['analyze', 'proj/app:v1', '--json'], { env })));
    assert.equal(json.source, `${new URL(open.url).host}/proj/app:v1`);
    assert.equal(json.digest, built.manifest.digest);
    assertWasteful(json);

    const platforms = async (...args: string[]) =>
      jsonOf<ImageAnalysis>(ok(await runBerth(['analyze', 'proj/multi:v1', '--json', ...args], { env }))).images.map((i) => [i.manifestDigest, i.platform?.architecture, i.totals.finalFileBytes, i.runConfig.isRoot]);
    const amd64 = [index.images[0]!.manifest.digest, 'amd64', 100, false];
    const arm64 = [index.images[1]!.manifest.digest, 'arm64', 250, true];
    assert.deepEqual(await platforms(), [amd64]);
    assert.deepEqual(await platforms('--platform', 'linux/arm64/v8'), [arm64]);
    assert.deepEqual(await platforms('--platform', 'all'), [amd64, arm64]);
    const text = ok(await runBerth(['analyze', 'proj/multi:v1', '--platform', 'all'], { env })).stdout;
    assert.match(text, /^== linux\/amd64 /m);
    assert.match(text, /^== linux\/arm64\/v8 /m);
  });

  it('reads with the credentials of the environment, and exits 4 when they are wrong', async () => {
    const host = new URL(guarded.url).host;
    const admin = new RegistryClient({ host, baseUrl: guarded.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await pushBuilt(admin, 'secure/app', built, 'v1');
    const good = await runBerth(['analyze', 'secure/app:v1', '--json'], { env: { BERTH_SERVER: guarded.url, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD } });
    assertWasteful(jsonOf<ImageAnalysis>(ok(good)));
    const bad = await runBerth(['analyze', 'secure/app:v1'], { env: { BERTH_SERVER: guarded.url, BERTH_USER: 'admin', BERTH_PASSWORD: 'wrong-password-123' } });
    assert.equal(bad.code, 4, bad.stderr);
    assert.equal(bad.stdout, '');
  });

  it('exits 5 for what does not exist, 3 for an unreachable registry, 2 for bad usage', async () => {
    const env = { BERTH_SERVER: open.url };
    const missingTag = await runBerth(['analyze', 'proj/app:nope'], { env });
    assert.equal(missingTag.code, 5, missingTag.stderr);
    assert.match(missingTag.stderr, /MANIFEST_UNKNOWN/);
    for (const ref of [`oci:${join(dir, 'nowhere')}`, `docker-archive:${join(dir, 'nowhere.tar')}`, `oci:${built.dir}:no-such-tag`]) {
      const run = await runBerth(['analyze', ref]);
      assert.equal(run.code, 5, `${ref}: ${run.stderr}`);
      assert.match(run.stderr, /^berth: /);
    }
    const noPlatform = await runBerth(['analyze', `oci:${index.dir}`, '--platform', 'linux/s390x']);
    assert.equal(noPlatform.code, 5);
    assert.match(noPlatform.stderr, /linux\/amd64, linux\/arm64\/v8/);
    const unreachable = await runBerth(['analyze', '127.0.0.1:9/proj/app:v1']);
    assert.equal(unreachable.code, 3, unreachable.stderr);
    const badPlatform = await runBerth(['analyze', `oci:${built.dir}`, '--platform', 'linux']);
    assert.equal(badPlatform.code, 2);
    assert.equal((await runBerth(['analyze', 'oci:'])).code, 2);
    const help = ok(await runBerth(['analyze', '--help'])).stdout;
    assert.match(help, /Exit codes:\n {2}0 .*\n {2}1 .*--fail-on-secrets.*\n {2}2 .*\n {2}3 .*\n {2}4 .*\n {2}5 /);
  });

  it('shows progress on a terminal and stays quiet when piped', async () => {
    const tty = ok(await runBerth(['analyze', `oci:${built.dir}:v1`], { isTerminal: true }));
    assert.match(tty.stdout, /layer 3\/3/);
    assert.match(tty.stdout, /3 layers +\S+ B \/ \S+ B +done/);
    const piped = ok(await runBerth(['analyze', `oci:${built.dir}:v1`]));
    assert.equal(piped.stderr, '');
  });
});
