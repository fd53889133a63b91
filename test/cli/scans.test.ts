import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import { debianImage } from '../../src/scan/registry/scan-test-kit.ts';
import { startBerthProcess, type BerthProcess } from '../helpers/berth-process.ts';
import type { BuiltImage } from '../helpers/test-image.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

describe('berth scans, against the bundled server (its inventory worker is dist/inventory-worker.mjs)', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  let dir: string;
  let env: Record<string, string>;
  let app: BuiltImage;

  before(async () => {
    // The same bundle `npm start` runs, so a scan exercises the worker's own entry point in dist/.
    berth = await startBerthProcess();
    dir = await mkdtemp(join(tmpdir(), 'berth-cli-scans-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: dir };
    ok(await runBerth(['project', 'create', 'acme'], { env }));
    app = await debianImage([{ name: 'tar', version: '1.34+dfsg-1.2' }]).build(join(dir, 'app'), 'v1');
    await pushBuilt(new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, undefined), 'acme/app', app, 'v1');
  });
  after(async () => {
    await berth?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('policy set keeps what is not given; get prints it', async () => {
    const set = jsonOf<Record<string, unknown>>(ok(await runBerth(['scans', 'policy', 'set', 'acme', '--mode', 'warn', '--grace-days', '3', '--json'], { env })));
    assert.deepEqual(set, { scanOnPush: false, mode: 'warn', severity: 'critical', refuseUnscanned: false, graceDays: 3 });
    ok(await runBerth(['scans', 'policy', 'set', 'acme', '--severity', 'high'], { env }));
    const table = ok(await runBerth(['scans', 'policy', 'get', 'acme'], { env })).stdout.trimEnd().split('\n');
    assert.match(table[0]!, /^SCAN ON PUSH\s+MODE\s+SEVERITY\s+REFUSE UNSCANNED\s+GRACE DAYS$/);
    assert.deepEqual(table[1]!.split(/\s{2,}/), ['no', 'warn', 'high', 'no', '3']);
    const bad = await runBerth(['scans', 'policy', 'set', 'acme', '--mode', 'loud'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mode/);
  });

  it('run --wait scans in a worker thread of the bundled server and prints the report; show and repo read it back', async () => {
    const run = jsonOf<{ queued: string[]; report: { images: Array<{ status: string; packageCount: number }> } }>(ok(await runBerth(['scans', 'run', 'acme/app:v1', '--wait', '--json'], { env })));
    assert.deepEqual(run.queued, [app.manifest.digest]);
    assert.equal(run.report.images[0]!.status, 'scanned');
    assert.equal(run.report.images[0]!.packageCount, 1);
    const shown = ok(await runBerth(['scans', 'show', 'acme/app:v1'], { env })).stdout;
    assert.match(shown, /^acme\/app v1\n/);
    assert.match(shown, /scanned/);
    const sarif = JSON.parse(ok(await runBerth(['scans', 'show', 'acme/app:v1', '--format', 'sarif'], { env })).stdout) as { version: string };
    assert.equal(sarif.version, '2.1.0');
    const repo = ok(await runBerth(['scans', 'repo', 'acme/app'], { env })).stdout.trimEnd().split('\n');
    assert.match(repo[1]!, /v1\s+scanned\s+0\s+0\s+0\s+0$/);
    const missing = await runBerth(['scans', 'show', 'acme/nothing:v1'], { env });
    assert.equal(missing.code, 5, missing.stderr);
  });

  it('exceptions: add, list and remove; affected answers for an id no image has', async () => {
    const added = jsonOf<{ id: string; vulnerabilityId: string; repository: string; isExpired: boolean }>(ok(await runBerth([
      'scans', 'exception', 'add', 'acme', 'CVE-2026-1111', '--repository', 'acme/app', '--owner', 'sec', '--justification', 'not reachable', '--expires', '30d', '--json',
    ], { env })));
    assert.equal(added.vulnerabilityId, 'CVE-2026-1111');
    assert.equal(added.isExpired, false);
    const list = ok(await runBerth(['scans', 'exception', 'list', 'acme'], { env })).stdout;
    assert.match(list, new RegExp(`${added.id}\\s+CVE-2026-1111\\s+acme/app\\s+sec`));
    ok(await runBerth(['scans', 'exception', 'remove', 'acme', added.id], { env }));
    const gone = await runBerth(['scans', 'exception', 'remove', 'acme', added.id], { env });
    assert.equal(gone.code, 5);
    const affected = ok(await runBerth(['scans', 'affected', 'CVE-2026-1111'], { env }));
    assert.equal(affected.stdout.trim(), 'No stored image is affected by CVE-2026-1111');
  });
});
