import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

const sizeOf = (image: BuiltImage): number => image.config.size + image.layers.reduce((s, l) => s + l.size, 0);

describe('berth storage report', { timeout: 600_000 }, () => {
  let berth: TestBerth;
  let dir: string;
  let admin: Record<string, string>;
  let web: BuiltImage;
  let api: BuiltImage;

  before(async () => {
    berth = await startTestBerth();
    dir = await mkdtemp(join(tmpdir(), 'berth-cli-storage-'));
    admin = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: dir, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    const client = new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    const base = { 'etc/os-release': 'ID=debian\n'.repeat(100) };
    web = await testImage().layer(base).layer({ 'srv/web': 'w'.repeat(2000) }).build(join(dir, 'web'), 'v1');
    api = await testImage().layer(base).layer({ 'srv/api': 'a'.repeat(3000) }).build(join(dir, 'api'), 'v1');
    await pushBuilt(client, 'shop/web', web, 'v1');
    await pushBuilt(client, 'shop/api', api, 'v1');
    await pushBuilt(client, 'tools/api', api, 'v1');
  });
  after(async () => {
    await berth?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('--json prints the API report with exact figures; --project narrows it', async () => {
    const report = jsonOf<any>(ok(await runBerth(['storage', 'report', '--json'], { env: admin })));
    const baseLayer = web.layers[0]!;
    assert.equal(baseLayer.digest, api.layers[0]!.digest);
    assert.deepEqual(report.repositories.map((r: any) => [r.name, r.logicalBytes, r.physicalBytes, r.uniqueBytes]), [
      ['shop/api', sizeOf(api), sizeOf(api), 0],
      ['shop/web', sizeOf(web), sizeOf(web), sizeOf(web) - baseLayer.size],
      ['tools/api', sizeOf(api), sizeOf(api), 0],
    ]);
    const physical = sizeOf(web) + sizeOf(api) - baseLayer.size;
    assert.equal(report.totals.logicalBytes, sizeOf(web) + 2 * sizeOf(api));
    assert.equal(report.totals.physicalBytes, physical);
    assert.deepEqual(report.sharedLayers, [{ digest: baseLayer.digest, sizeBytes: baseLayer.size, images: 2, repositories: 3 }]);

    const shop = jsonOf<any>(ok(await runBerth(['storage', 'report', '--project', 'shop', '--json', '--top', '1'], { env: admin })));
    assert.deepEqual(shop.projects.map((p: any) => [p.name, p.physicalBytes, p.uniqueBytes]), [['shop', physical, sizeOf(web) - baseLayer.size]]);
    assert.deepEqual(shop.biggestImages.map((i: any) => i.repository), ['shop/api']);
  });

  it('prints readable tables: totals, projects, repositories, shared layers, biggest images', async () => {
    const out = ok(await runBerth(['storage', 'report'], { env: admin })).stdout;
    const lines = out.split('\n');
    assert.match(lines[0]!, /^\s+PROJECTS\s+REPOSITORIES\s+MANIFESTS\s+BLOBS\s+LOGICAL\s+PHYSICAL\s+UNIQUE\s+DEDUP$/);
    assert.match(lines[1]!, /^TOTAL\s+2\s+3\s+3\s+5\s+\S+ \S+\s+\S+ \S+\s+\S+ \S+\s+\d+\.\d\dx$/);
    assert.ok(lines.some((l) => /^PROJECT\s+REPOSITORIES/.test(l)));
    assert.ok(lines.some((l) => /^shop\s+2\s+5\s/.test(l)), out);
    assert.ok(lines.some((l) => /^tools\/api\s+1\s+1\s/.test(l)), out);
    assert.ok(out.includes(`Layers shared by the most images:`));
    assert.ok(lines.some((l) => l.startsWith(web.layers[0]!.digest.slice(0, 'sha256:'.length + 12)) && /\s2\s+3$/.test(l)), out);
    assert.match(out, /Biggest images:\nIMAGE\s+TAGS\s+LOGICAL\n(shop|tools)\/api@sha256:[0-9a-f]{12}\s+v1\s/);
  });

  it('bad options exit 2 before any request; an unknown project exits 5', async () => {
    const bad = await runBerth(['storage', 'report', '--top', 'many'], { env: admin });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--top/);
    const badProject = await runBerth(['storage', 'report', '--project', 'Not/A'], { env: admin });
    assert.equal(badProject.code, 2, badProject.stderr);
    const missing = await runBerth(['storage', 'report', '--project', 'nosuch'], { env: admin });
    assert.equal(missing.code, 5, missing.stderr);
    assert.match(missing.stderr, /storage report of project nosuch: .*\(HTTP 404\)/);
  });
});
