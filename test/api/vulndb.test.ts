import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBucketServer, type BucketServer } from '../../src/scan/vulndb/osv-bucket-server.ts';
import { osvRecord, zipFiles } from '../../src/scan/vulndb/osv-test-kit.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { basic, expectProblem, expectStatus, passwordOf, startApiFixture, type ApiFixture, type Caller } from './api-client.ts';

const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H';

const INVENTORY = {
  os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', family: 'debian' },
  packages: [
    { ecosystem: 'deb', name: 'libssl3', version: '3.0.11-1~deb12u2+b1', sourceName: 'openssl', sourceVersion: '3.0.11-1~deb12u2', purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2%2Bb1?distro=debian-12', locations: [{ path: 'var/lib/dpkg/status', layer: 0 }] },
    { ecosystem: 'npm', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
  ],
};

describe('REST API: vulnerability database and matching', { timeout: 180_000 }, () => {
  let f: ApiFixture;
  let dev: Caller;
  let bucket: BucketServer;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-vulndb-api-'));
    await mkdir(join(dir, 'bucket/Debian'), { recursive: true });
    bucket = await startBucketServer(join(dir, 'bucket'));
    f = await startApiFixture({ vulndb: { baseUrl: bucket.url } });
    dev = await f.user('dev');
  });
  after(async () => {
    await f?.stop();
    await bucket?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Raw bytes (the test caller JSON-encodes anything but strings). */
  const upload = async (caller: 'admin' | 'dev' | 'anonymous', type: string, body: Buffer | string) => {
    const authorization = caller === 'admin' ? basic('admin', TEST_ADMIN_PASSWORD) : caller === 'dev' ? basic('dev', passwordOf('dev')) : undefined;
    const res = await fetch(`${f.berth.url}/api/v1/vulndb/import`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': type, ...(authorization ? { authorization } : {}) } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
  };

  it('starts empty; imports are for administrators only', async () => {
    const status = await dev('GET', '/vulndb');
    expectStatus(status, 200);
    assert.deepEqual(status.body, { revision: null, totals: { records: 0, withdrawn: 0 }, sources: [] });
    expectProblem(await upload('dev', 'application/x-ndjson', '{}\n'), 403, 'DENIED');
    expectProblem(await upload('anonymous', 'application/x-ndjson', '{}\n'), 401, 'UNAUTHORIZED');
    expectProblem(await dev('POST', '/vulndb/sync', { ecosystems: ['Debian'] }), 403, 'DENIED');
    expectProblem(await f.admin('POST', '/vulndb/import', { id: 'X' }), 400, 'BAD_REQUEST');
  });

  it('imports an all.zip upload and JSON lines, audited; matching answers any signed-in user', async () => {
    const zipDir = join(dir, 'zip');
    await mkdir(zipDir);
    await writeFile(join(zipDir, 'DSA-1.json'), JSON.stringify(osvRecord({ id: 'DSA-1', ecosystem: 'Debian:12', name: 'openssl', fixed: '3.0.13-1~deb12u1', aliases: ['CVE-2099-1'] })));
    await writeFile(join(zipDir, 'DSA-2.json'), JSON.stringify(osvRecord({ id: 'DSA-2', ecosystem: 'Debian:11', name: 'openssl', fixed: '3.0.13-1~deb11u1' })));
    zipFiles(join(dir, 'all.zip'), zipDir, ['DSA-1.json', 'DSA-2.json']);
    const zipped = await upload('admin', 'application/zip', await readFile(join(dir, 'all.zip')));
    expectStatus(zipped, 200);
    assert.deepEqual([zipped.body.read, zipped.body.added, zipped.body.invalid], [2, 2, 0]);
    assert.equal(zipped.body.sources[0].name, 'Debian');

    const lines = [osvRecord({ id: 'GHSA-lod1-0000-0001', ecosystem: 'npm', name: 'lodash', fixed: '4.17.21', cvss: HIGH }), { not: 'osv' }].map((r) => JSON.stringify(r)).join('\n');
    const ndjson = await upload('admin', 'application/x-ndjson', `${lines}\n`);
    expectStatus(ndjson, 200);
    assert.deepEqual([ndjson.body.added, ndjson.body.invalid, ndjson.body.problems[0].name], [1, 1, 'line 2']);

    const status = await dev('GET', '/vulndb');
    assert.equal(status.body.revision, ndjson.body.revision);
    assert.deepEqual(status.body.sources.map((s: any) => [s.name, s.recordCount]), [['Debian', 2], ['npm', 1]]);
    assert.match(status.body.sources[0].lastImportAt, /^\d{4}-\d\d-\d\dT/);

    const match = await dev('POST', '/vulnerabilities/match', { inventory: INVENTORY });
    expectStatus(match, 200);
    assert.equal(match.body.revision, ndjson.body.revision);
    assert.deepEqual(match.body.findings.map((x: any) => [x.id, x.package.name, x.severity, x.fixedVersions]), [
      ['GHSA-lod1-0000-0001', 'lodash', 'high', ['4.17.21']],
      ['DSA-1', 'libssl3', 'none', ['3.0.13-1~deb12u1']],
    ]);
    assert.deepEqual(match.body.findings[1].package.source, { name: 'openssl', version: '3.0.11-1~deb12u2' });
    expectProblem(await f.anonymous('POST', '/vulnerabilities/match', { inventory: INVENTORY }), 401, 'UNAUTHORIZED');
    expectProblem(await dev('POST', '/vulnerabilities/match', { inventory: { packages: [{ ecosystem: 'nope', name: 'x', version: '1', purl: 'x' }] } }), 400, 'BAD_REQUEST');

    await f.berth.auth.audit.flush();
    const audit = await f.admin('GET', '/audit?action=vulndb.import');
    assert.deepEqual(audit.body.items.map((e: any) => [e.actorName, e.result, e.detail.added]).reverse(), [['admin', 'success', 2], ['admin', 'success', 1]]);
  });

  it('syncs from the configured bucket: all.zip first, then only changed records', async () => {
    const eco = join(dir, 'bucket/Debian');
    await writeFile(join(eco, 'DSA-10.json'), JSON.stringify(osvRecord({ id: 'DSA-10', ecosystem: 'Debian:12', name: 'zlib', fixed: '1:1.2.13.dfsg-2', modified: '2025-01-10T00:00:00Z' })));
    zipFiles(join(eco, 'all.zip'), eco, ['DSA-10.json']);
    await writeFile(join(eco, 'modified_id.csv'), '2025-01-10T00:00:00Z,DSA-10\n');
    const first = await f.admin('POST', '/vulndb/sync', { ecosystems: ['Debian'] });
    expectStatus(first, 200);
    assert.deepEqual(first.body.results.map((r: any) => [r.ecosystem, r.mode, r.added]), [['Debian', 'full', 1]]);

    await writeFile(join(eco, 'DSA-11.json'), JSON.stringify(osvRecord({ id: 'DSA-11', ecosystem: 'Debian:12', name: 'zlib', fixed: '1:1.2.13.dfsg-3', modified: '2025-02-01T00:00:00Z' })));
    await writeFile(join(eco, 'modified_id.csv'), '2025-02-01T00:00:00Z,DSA-11\n2025-01-10T00:00:00Z,DSA-10\n');
    bucket.requests.length = 0;
    const second = await f.admin('POST', '/vulndb/sync', { ecosystems: ['Debian'] });
    expectStatus(second, 200);
    assert.deepEqual(second.body.results.map((r: any) => [r.mode, r.fetched, r.added]), [['incremental', 1, 1]]);
    assert.deepEqual(bucket.requests.sort(), ['/Debian/DSA-11.json', '/Debian/modified_id.csv']);
    assert.ok(second.body.results[0].sources[0].lastSyncAt);

    const failed = await f.admin('POST', '/vulndb/sync', { ecosystems: ['PyPI'] });
    expectProblem(failed, 503, 'UNAVAILABLE');
    await f.berth.auth.audit.flush();
    const audit = await f.admin('GET', '/audit?action=vulndb.sync');
    assert.deepEqual(audit.body.items.map((e: any) => e.result).reverse(), ['success', 'success', 'failure']);
  });

  it('the OpenAPI document describes the upload types', async () => {
    const doc = await f.anonymous('GET', '/openapi.json');
    const op = doc.body.paths['/api/v1/vulndb/import'].post;
    assert.deepEqual(Object.keys(op.requestBody.content).sort(), ['application/x-ndjson', 'application/zip']);
    assert.ok(doc.body.paths['/api/v1/vulnerabilities/match'].post);
  });
});
