/**
 * `berth promotion-gates add --kind scan-clean --param ...` and a prod channel guarded by a signed-by and a
 * scan-clean gate: `berth promote --json` lists both results, refused until the image is signed and scanned
 * clean. The Berth runs in this process with a small in-memory vulnerability matcher; the CLI is a child process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import type { RunningBerth } from '../../src/main.ts';
import { CVSS, debianImage, MemoryMatcher, osvRecord } from '../../src/scan/registry/scan-test-kit.ts';
import { anonymousClient, startScanningBerth } from '../helpers/scanning-berth.ts';
import type { BuiltImage } from '../helpers/test-image.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const DSA = osvRecord({ id: 'DSA-5500-1', aliases: ['CVE-2026-1111'], pkg: 'openssl', fixed: '3.0.11-1~deb12u2', severity: CVSS.critical });

function exited(run: CliRun, code: number, what: string): CliRun {
  assert.equal(run.code, code, `${what} exited ${run.code}, expected ${code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

interface PromoteJson {
  allowed: boolean;
  moved: boolean;
  target: { repository: string; tag: string; previous: string | null };
  gates: Array<{ kind: string; tag: string; passed: boolean; reason: string }>;
}

describe('berth promotion-gates: scan-clean next to signed-by on a prod channel', { timeout: 600_000 }, () => {
  let berth: RunningBerth;
  let work: string;
  let env: Record<string, string>;
  let clean: BuiltImage;
  let vulnerable: BuiltImage;
  const berthCli = (args: string[]) => runBerth(args, { env });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-cli-scan-gate-'));
    berth = await startScanningBerth(join(work, 'data'), new MemoryMatcher([DSA]));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: work, BERTH_KEY_PASSWORD: 'key-password' };
    exited(await berthCli(['project', 'create', 'rel']), 0, 'project create');
    exited(await berthCli(['keygen', '--output', join(work, 'release')]), 0, 'keygen');
    clean = await debianImage([{ name: 'tar', version: '1.34+dfsg-1.2' }]).build(join(work, 'clean'), 'v1');
    vulnerable = await debianImage([{ name: 'libssl3', version: '3.0.11-1~deb12u1', source: 'openssl' }]).build(join(work, 'vulnerable'), 'v2');
    const client = anonymousClient(berth);
    await pushBuilt(client, 'rel/svc', clean, 'v1');
    await pushBuilt(client, 'rel/svc', vulnerable, 'v2');
  });
  after(async () => {
    await berth?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('add takes scan-clean params through --param, rejects bad ones, and list shows both gates', async () => {
    const signed = jsonOf<{ kind: string; tag: string }>(exited(await berthCli(['promotion-gates', 'add', 'rel', '--kind', 'signed-by', '--tag', 'prod', '--json']), 0, 'add signed-by'));
    assert.deepEqual([signed.kind, signed.tag], ['signed-by', 'prod']);
    const scan = jsonOf<{ kind: string; params: Record<string, unknown> }>(exited(await berthCli([
      'promotion-gates', 'add', 'rel', '--kind', 'scan-clean', '--tag', 'prod', '--param', 'severity=critical', '--param', 'unscanned=scan', '--json',
    ]), 0, 'add scan-clean'));
    assert.deepEqual(scan, { ...scan, kind: 'scan-clean', params: { severity: 'critical', unscanned: 'scan' } });
    const bad = exited(await berthCli(['promotion-gates', 'add', 'rel', '--kind', 'scan-clean', '--param', 'severity=urgent']), 2, 'add with a bad severity');
    assert.match(bad.stderr, /params\.severity/);
    const listed = jsonOf<{ items: Array<{ kind: string; params: Record<string, unknown> }> }>(exited(await berthCli(['promotion-gates', 'list', 'rel', '--json']), 0, 'list'));
    assert.deepEqual(listed.items.map((g) => [g.kind, g.params]), [['signed-by', {}], ['scan-clean', { severity: 'critical', unscanned: 'scan' }]]);
  });

  it('promote --json lists both results; refused until signed and scanned, then moves prod; a vulnerable image stays out', async () => {
    exited(await berthCli(['trust', 'set', 'rel', '--mode', 'audit', '--key', `release=${join(work, 'release.pub')}`]), 0, 'trust set');
    const refused = jsonOf<PromoteJson>(exited(await berthCli(['promote', 'rel/svc:v1', '--to', 'prod', '--json']), 1, 'promote unsigned, unscanned'));
    assert.equal(refused.allowed, false);
    assert.deepEqual(refused.gates.map((g) => [g.kind, g.tag, g.passed]), [['signed-by', 'prod', false], ['scan-clean', 'prod', false]]);
    assert.equal(refused.gates[0]!.reason, 'not signed (trusted: keys release)');
    assert.equal(refused.gates[1]!.reason, 'the image has not been scanned for vulnerabilities: scan queued, retry when it has finished');

    await berth.scanning.scans.queue.idle();
    exited(await berthCli(['sign', 'rel/svc:v1', '--key', join(work, 'release.key')]), 0, 'sign v1');
    const promoted = jsonOf<PromoteJson>(exited(await berthCli(['promote', 'rel/svc:v1', '--to', 'prod', '--json']), 0, 'promote signed, scanned'));
    assert.equal(promoted.moved, true);
    assert.deepEqual(promoted.gates.map((g) => [g.kind, g.passed, g.reason]), [
      ['signed-by', true, 'signed by key release'],
      ['scan-clean', true, 'scanned: no vulnerability at or above critical'],
    ]);

    exited(await berthCli(['sign', 'rel/svc:v2', '--key', join(work, 'release.key')]), 0, 'sign v2');
    exited(await berthCli(['scans', 'run', 'rel/svc:v2', '--wait']), 0, 'scan v2');
    const vulnerableRun = exited(await berthCli(['promote', 'rel/svc:v2', '--to', 'prod', '--json']), 1, 'promote vulnerable');
    const blocked = jsonOf<PromoteJson>(vulnerableRun);
    assert.deepEqual(blocked.gates.map((g) => [g.kind, g.passed]), [['signed-by', true], ['scan-clean', false]]);
    assert.equal(blocked.gates[1]!.reason, '1 vulnerability at or above critical: DSA-5500-1 (critical, libssl3 3.0.11-1~deb12u1)');
    assert.equal(blocked.target.previous, clean.manifest.digest);
    assert.match(vulnerableRun.stderr, /scan-clean/);
    const prod = await fetch(`${berth.url}/v2/rel/svc/manifests/prod`, { method: 'HEAD', headers: { accept: clean.manifest.mediaType } });
    assert.equal(prod.headers.get('docker-content-digest'), clean.manifest.digest);
  });
});
