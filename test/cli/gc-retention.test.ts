import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { sleep } from '../helpers/gc-kit.ts';
import { sha256 } from '../helpers/oci-client.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`;

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

/** Pushes a one-layer image as the admin; returns the bytes only it holds (config + layer). */
async function push(base: string, repo: string, tag: string): Promise<number> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag });
  const layer = `layer of ${repo}:${tag}`;
  for (const blob of [config, layer]) {
    const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob, headers: { authorization: ADMIN_AUTH, 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
  });
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { authorization: ADMIN_AUTH, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 201);
  return config.length + layer.length;
}

describe('berth retention and berth gc', { timeout: 600_000 }, () => {
  let berth: TestBerth;
  let dir: string;
  let admin: Record<string, string>;
  const sizes: Record<string, number> = {};

  before(async () => {
    // No history window: what retention untags is garbage for the next collection.
    berth = await startTestBerth({ gc: { grace: '1s' }, versions: { historyWindow: 0 } });
    dir = await mkdtemp(join(tmpdir(), 'berth-cli-gc-'));
    admin = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: dir, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    ok(await runBerth(['project', 'create', 'web'], { env: admin }));
    for (const tag of ['1.0.0', '1.1.0', '2.0.0']) sizes[tag] = await push(berth.url, 'web/site', tag);
  });
  after(async () => {
    await berth?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('set and show a policy; bad values exit 2 before any request', async () => {
    const set = jsonOf<any>(ok(await runBerth(['retention', 'set', 'web', '--keep-highest-versions', '1', '--keep-pattern', '1.1.*', '--json'], { env: admin })));
    assert.deepEqual(set.policy, { keepHighestVersions: 1, keepPatterns: ['1.1.*'], protectHistoryWindow: true });
    const shown = ok(await runBerth(['retention', 'show', 'web'], { env: admin }));
    assert.match(shown.stdout, /keep highest versions\s+1/);
    assert.match(shown.stdout, /keep patterns\s+1\.1\.\*/);
    const bad = await runBerth(['retention', 'set', 'web', '--keep-most-recent', 'lots'], { env: admin });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--keep-most-recent/);
    assert.equal((await runBerth(['retention', 'show', 'nope'], { env: admin })).code, 5);
  });

  it('run --dry-run lists what would go and why the rest stays; a run deletes it; gc frees the bytes it predicted', async () => {
    ok(await runBerth(['retention', 'set', 'web', '--keep-highest-versions', '1', '--keep-pattern', '1.1.*', '--no-history-window'], { env: admin }));
    const dry = ok(await runBerth(['retention', 'run', 'web', '--dry-run'], { env: admin }));
    assert.match(dry.stdout, /web\/site:1\.0\.0\s+would delete/);
    assert.match(dry.stdout, /web\/site:1\.1\.0\s+kept \(pattern\)/);
    assert.match(dry.stdout, /web\/site:2\.0\.0\s+kept \(highest-version\)/);
    const run = jsonOf<any>(ok(await runBerth(['retention', 'run', 'web', '--json'], { env: admin })));
    assert.deepEqual(run.deleted.map((d: any) => d.tag), ['1.0.0']);
    assert.equal(run.freed.blobBytes, sizes['1.0.0']);

    await sleep(1_300);
    const preview = jsonOf<any>(ok(await runBerth(['gc', '--dry-run', '--json'], { env: admin })));
    assert.equal(preview.dryRun, true);
    assert.equal(preview.blobBytes, sizes['1.0.0']);
    const text = ok(await runBerth(['gc'], { env: admin }));
    assert.match(text.stdout, /blobs removed\s+2\s/);
    assert.match(text.stdout, /Freed /);
    const again = jsonOf<any>(ok(await runBerth(['gc', '--dry-run', '--json'], { env: admin })));
    assert.equal(again.blobs, 0);
  });

  it('gc needs an administrator (exit 4), and remove drops the policy', async () => {
    ok(await runBerth(['user', 'create', 'carol', '--password-stdin'], { env: admin, stdin: 'carol-password-123\n' }));
    const denied = await runBerth(['gc', '--dry-run'], { env: { ...admin, BERTH_USER: 'carol', BERTH_PASSWORD: 'carol-password-123' } });
    assert.equal(denied.code, 4, denied.stderr);
    const removed = jsonOf<any>(ok(await runBerth(['retention', 'remove', 'web', '--json'], { env: admin })));
    assert.deepEqual(removed, { removed: 'web' });
    assert.equal((await runBerth(['retention', 'show', 'web'], { env: admin })).code, 5);
  });
});
