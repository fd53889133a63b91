import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import { startBucketServer, type BucketServer } from '../../src/scan/vulndb/osv-bucket-server.ts';
import { osvRecord, zipFiles } from '../../src/scan/vulndb/osv-test-kit.ts';
import { startApiFixture, passwordOf, type ApiFixture } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H';

function exits(run: CliRun, code: number): CliRun {
  assert.equal(run.code, code, `expected exit ${code}, got ${run.code}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr}`);
  return run;
}

/** The `Version:` of bash's source in this machine's dpkg status (bash is its own source). */
function bashVersion(status: string): string {
  const para = status.split('\n\n').find((p) => /^Package: bash$/m.test(p));
  assert.ok(para, 'bash is installed on this machine');
  return /^Version: (.+)$/m.exec(para)![1]!;
}

describe('berth vulndb and berth scan', { timeout: 300_000 }, () => {
  let dir: string;
  let f: ApiFixture;
  let bucket: BucketServer;
  let sandbox: ContainersSandbox;
  let full: BuiltImage;
  let npmOnly: BuiltImage;
  let admin: Record<string, string>;
  let dev: Record<string, string>;

  before(async () => {
    assertToolsInstalled('skopeo', 'unshare');
    dir = await mkdtemp(join(tmpdir(), 'berth-scan-cli-'));
    const status = await readFile('/var/lib/dpkg/status', 'utf8');
    const release = /^VERSION_ID="?(\d+)/m.exec(await readFile('/usr/lib/os-release', 'utf8'))![1]!;
    full = await testImage()
      .layer({ 'etc/os-release': await readFile('/usr/lib/os-release'), 'var/lib/dpkg/status': status })
      .layer({ 'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.20' }) })
      .build(join(dir, 'layout'), 'v1');
    npmOnly = await testImage().layer({ 'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.20' }) }).build(join(dir, 'npm-layout'), 'v1');

    await mkdir(join(dir, 'osv/Debian'), { recursive: true });
    await mkdir(join(dir, 'osv/npm'), { recursive: true });
    await writeFile(join(dir, 'osv/Debian/DEBIAN-CVE-2099-0001.json'), JSON.stringify(osvRecord({ id: 'DEBIAN-CVE-2099-0001', ecosystem: `Debian:${release}`, name: 'bash', fixed: `${bashVersion(status)}+berth1`, upstream: ['CVE-2099-0001'], cvss: CRITICAL })));
    await writeFile(join(dir, 'osv/npm/GHSA-lod1-0000-0001.json'), JSON.stringify(osvRecord({ id: 'GHSA-lod1-0000-0001', ecosystem: 'npm', name: 'lodash', fixed: '4.17.21', cvss: HIGH })));
    zipFiles(join(dir, 'all.zip'), join(dir, 'osv'), ['Debian/DEBIAN-CVE-2099-0001.json', 'npm/GHSA-lod1-0000-0001.json']);
    await mkdir(join(dir, 'empty'));

    await mkdir(join(dir, 'bucket/npm'), { recursive: true });
    await writeFile(join(dir, 'bucket/npm/GHSA-left-0000-0001.json'), JSON.stringify(osvRecord({ id: 'GHSA-left-0000-0001', ecosystem: 'npm', name: 'left-pad', fixed: '1.3.1', modified: '2025-05-01T00:00:00Z' })));
    zipFiles(join(dir, 'bucket/npm/all.zip'), join(dir, 'bucket/npm'), ['GHSA-left-0000-0001.json']);
    await writeFile(join(dir, 'bucket/npm/modified_id.csv'), '2025-05-01T00:00:00Z,GHSA-left-0000-0001\n');

    bucket = await startBucketServer(join(dir, 'bucket'));
    [f, sandbox] = await Promise.all([startApiFixture({ vulndb: { baseUrl: bucket.url } }), createContainersSandbox()]);
    await f.user('dev');
    admin = { BERTH_SERVER: f.berth.url, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    dev = { BERTH_SERVER: f.berth.url, BERTH_USER: 'dev', BERTH_PASSWORD: passwordOf('dev') };
  });
  after(async () => {
    await Promise.all([f?.stop(), bucket?.close(), sandbox?.dispose()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('vulndb import (a directory, then the same records as all.zip), status and sync; administrators only', async () => {
    const denied = exits(await runBerth(['vulndb', 'import', join(dir, 'osv')], { env: dev }), 4);
    assert.match(denied.stderr, /only administrators/);
    const imported = jsonOf<any>(exits(await runBerth(['vulndb', 'import', join(dir, 'osv'), '--json'], { env: admin }), 0));
    assert.deepEqual([imported.read, imported.added, imported.invalid], [2, 2, 0]);
    const again = exits(await runBerth(['vulndb', 'import', join(dir, 'all.zip')], { env: admin }), 0);
    assert.match(again.stdout, /2 read, 0 added, 0 updated, 2 unchanged, 0 invalid; revision /);
    exits(await runBerth(['vulndb', 'import', join(dir, 'missing.zip')], { env: admin }), 5);

    const synced = jsonOf<any>(exits(await runBerth(['vulndb', 'sync', 'npm', '--json'], { env: admin }), 0));
    assert.deepEqual(synced.results.map((r: any) => [r.ecosystem, r.mode, r.added]), [['npm', 'full', 1]]);

    const status = exits(await runBerth(['vulndb', 'status'], { env: dev }), 0).stdout;
    assert.match(status, /3 records \(0 withdrawn\)/);
    assert.match(status, /^SOURCE +RECORDS +WITHDRAWN +NEWEST MODIFIED +IMPORTED +SYNCED$/m);
    assert.match(status, /^npm +2 +0 +2025-05-01T00:00:00Z +\d{4}-\S+ +\d{4}-\S+$/m);
    assert.match(status, /^Debian +1 +0 /m);
  });

  it('scan against the server: exit 1 at or above --fail-on, 0 below or without it; JSON report', async () => {
    const layout = `oci:${full.dir}:v1`;
    const failing = exits(await runBerth(['scan', layout, '--fail-on', 'critical', '--json'], { env: dev }), 1);
    assert.match(failing.stderr, /1 vulnerability at or above critical \(--fail-on\)/);
    const report = jsonOf<any>(failing);
    assert.equal(report.subject.digest, full.manifest.digest);
    assert.deepEqual(report.summary, { total: 2, critical: 1, high: 1, medium: 0, low: 0, none: 0, unknown: 0 });
    assert.deepEqual(report.findings.map((x: any) => [x.id, x.package.name]), [['DEBIAN-CVE-2099-0001', 'bash'], ['GHSA-lod1-0000-0001', 'lodash']]);
    assert.deepEqual(report.findings[0].aliases, ['CVE-2099-0001']);

    exits(await runBerth(['scan', `oci:${npmOnly.dir}:v1`, '--fail-on', 'critical'], { env: dev }), 0);
    exits(await runBerth(['scan', `oci:${npmOnly.dir}:v1`, '--fail-on', 'high'], { env: dev }), 1);
    const table = exits(await runBerth(['scan', `oci:${npmOnly.dir}:v1`], { env: dev }), 0).stdout;
    assert.match(table, /^HIGH +GHSA-lod1-0000-0001 +lodash +4\.17\.20 +4\.17\.21 +GHSA-lod1-0000-0001 in lodash$/m);
  });

  it('scan an image stored in Berth by reference', async () => {
    const client = new RegistryClient({ host: new URL(f.berth.url).host, baseUrl: f.berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await f.project('proj');
    await pushBuilt(client, 'proj/app', full, 'v1');
    const report = jsonOf<any>(exits(await runBerth(['scan', 'proj/app:v1', '--json'], { env: admin }), 0));
    assert.equal(report.subject.digest, full.manifest.digest);
    assert.equal(report.summary.total, 2);
  });

  it('scan offline: a skopeo docker-archive with --vulndb all.zip as SARIF to a file, and VEX', async () => {
    const archive = join(dir, 'image.tar');
    await sandbox.skopeo(['copy', `oci:${full.dir}:v1`, `docker-archive:${archive}:proj/app:v1`]);
    const out = join(dir, 'scan.sarif');
    const run = exits(await runBerth(['scan', `docker-archive:${archive}`, '--vulndb', join(dir, 'all.zip'), '--format', 'sarif', '--output', out, '--fail-on', 'high']), 1);
    assert.equal(run.stdout, '', 'the report went to the file');
    const sarif = JSON.parse(await readFile(out, 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.deepEqual(sarif.runs[0].results.map((r: any) => [r.ruleId, r.level, r.locations[0].physicalLocation.artifactLocation.uri]), [
      ['DEBIAN-CVE-2099-0001', 'error', 'var/lib/dpkg/status'],
      ['GHSA-lod1-0000-0001', 'error', 'app/node_modules/lodash/package.json'],
    ]);

    const vexRun = exits(await runBerth(['scan', `oci:${full.dir}:v1`, '--vulndb', join(dir, 'osv'), '--format', 'vex']), 0);
    const errors = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(vexRun.stdout);
    assert.equal(errors, null);
    const vex = JSON.parse(vexRun.stdout);
    assert.deepEqual(vex.vulnerabilities.map((v: any) => [v.id, v.affects[0].ref.split('@')[0], v.ratings[0].severity]), [
      ['DEBIAN-CVE-2099-0001', 'pkg:deb/debian/bash', 'critical'],
      ['GHSA-lod1-0000-0001', 'pkg:npm/lodash', 'high'],
    ]);
  });

  it('usage and input errors exit 2 and up, never 1', async () => {
    const layout = `oci:${full.dir}:v1`;
    assert.match(exits(await runBerth(['scan', layout, '--fail-on', 'severe', '--vulndb', join(dir, 'osv')]), 2).stderr, /invalid --fail-on "severe"/);
    assert.match(exits(await runBerth(['scan', layout, '--format', 'html', '--vulndb', join(dir, 'osv')]), 2).stderr, /invalid --format "html"/);
    assert.match(exits(await runBerth(['scan', layout]), 2).stderr, /no server/);
    assert.match(exits(await runBerth(['scan', layout, '--vulndb', join(dir, 'empty')]), 2).stderr, /no OSV records found/);
    exits(await runBerth(['scan', `oci:${join(dir, 'nowhere')}:v1`, '--vulndb', join(dir, 'osv')]), 5);
    exits(await runBerth(['scan', layout], { env: { BERTH_SERVER: f.berth.url, BERTH_USER: 'admin', BERTH_PASSWORD: 'wrong' } }), 4);
    const help = exits(await runBerth(['scan', '--help']), 0).stdout;
    assert.match(help, /Exit codes:\n  0 .*\n  1 +scanned; findings at or above --fail-on/);
  });
});
