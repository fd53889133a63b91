import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { loadConfig } from '../../src/config/config.load.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import { createLogger } from '../../src/log/logger.ts';
import { sqliteDialect } from '../../src/meta/dialects/sqlite.dialect.ts';
import { openMetaStore } from '../../src/meta/meta-store.ts';
import type { Digest } from '../../src/oci/digest.ts';
import type { RepoName } from '../../src/oci/names.ts';
import { startBerth, type RunningBerth } from '../../src/main.ts';
import { CVSS, debianImage, MemoryMatcher, osvRecord } from '../../src/scan/registry/scan-test-kit.ts';
import { callerFor, expectProblem, expectStatus, type Caller } from '../api/api-client.ts';
import type { TestBerth } from '../helpers/berth-server.ts';
import { OCI_MANIFEST } from '../helpers/oci-client.ts';
import type { BuiltImage } from '../helpers/test-image.ts';

const OPENSSL = { name: 'libssl3', version: '3.0.11-1~deb12u1', source: 'openssl' };
const TAR = { name: 'tar', version: '1.34+dfsg-1.2' };
const DSA = osvRecord({ id: 'DSA-5500-1', aliases: ['CVE-2026-1111'], pkg: 'openssl', fixed: '3.0.11-1~deb12u2', severity: CVSS.critical });
const TAR_LOW = osvRecord({ id: 'CVE-2026-0005', pkg: 'tar', fixed: '1.34+dfsg-1.2+deb12u1', severity: CVSS.low });
const DAY_MS = 86_400_000;

async function startScanningBerth(dataDir: string, matcher: MemoryMatcher, workers = 1): Promise<RunningBerth> {
  const config = loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', data: dataDir, log: { level: 'silent' }, auth: { enabled: false }, scan: { workers } } });
  return startBerth(config, { log: createLogger(process.env.BERTH_TEST_LOG ?? 'silent'), matcher });
}

/** Retries `check` until it stops throwing (the audit writer flushes in batches); fails with its last error. */
async function eventually<T>(check: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await check();
    } catch (err) {
      if (attempt >= 300) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function clientOf(berth: RunningBerth): RegistryClient {
  return new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, undefined);
}

const pull = (berth: RunningBerth, repo: string, ref: string, method = 'GET') =>
  fetch(`${berth.url}/v2/${repo}/manifests/${ref}`, { method, headers: { accept: OCI_MANIFEST } });

describe('registry scanning (#5)', { timeout: 600_000 }, () => {
  let dir: string;
  let berth: RunningBerth;
  let api: Caller;
  let matcher: MemoryMatcher;
  let app: BuiltImage;
  let clean: BuiltImage;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-registry-scan-'));
    matcher = new MemoryMatcher([DSA, TAR_LOW]);
    berth = await startScanningBerth(join(dir, 'data'), matcher);
    api = callerFor({ url: berth.url } as TestBerth);
    app = await debianImage([OPENSSL, TAR]).build(join(dir, 'app'), 'v1');
    clean = await debianImage([{ name: 'tar', version: '1.34+dfsg-1.2+deb12u1' }], { 'srv/clean': 'clean\n' }).build(join(dir, 'clean'), 'v1');
    for (const project of ['acme', 'other', 'fresh']) expectStatus(await api('POST', '/projects', { name: project }), 201);
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true }), 200);
    await pushBuilt(clientOf(berth), 'acme/app', app, 'v1');
    await pushBuilt(clientOf(berth), 'other/app', app, 'v1');
  });
  after(async () => {
    await berth?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('scans images pushed to a project with scan-on-push, and only those', async () => {
    const report = await eventually(async () => {
      const res = await api('GET', '/scans?image=acme/app:v1');
      expectStatus(res, 200);
      assert.equal(res.body.images[0].status, 'scanned');
      return res.body;
    });
    assert.equal(report.digest, app.manifest.digest);
    const [image] = report.images;
    assert.equal(image.digest, app.manifest.digest);
    assert.equal(image.os, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(image.packageCount, 2);
    assert.deepEqual(image.counts, { critical: 1, high: 0, medium: 0, low: 1, none: 0 });
    assert.deepEqual(image.findings.map((f: { id: string; aliases: string[]; package: { name: string }; fixedVersions: string[] }) => [f.id, f.aliases, f.package.name, f.fixedVersions]), [
      ['DSA-5500-1', ['CVE-2026-1111'], 'libssl3', ['3.0.11-1~deb12u2']],
      ['CVE-2026-0005', [], 'tar', ['1.34+dfsg-1.2+deb12u1']],
    ]);
    await berth.scanning.scans.queue.idle();
    const other = await api('GET', '/scans?image=other/app:v1');
    // The same digest was scanned for acme: results are per digest, so other/app shows it too.
    assert.equal(other.body.images[0].status, 'scanned');
    await pushBuilt(clientOf(berth), 'other/clean', clean, 'v1');
    await berth.scanning.scans.queue.idle();
    const unscanned = await api('GET', '/scans?image=other/clean:v1');
    assert.equal(unscanned.body.images[0].status, 'unscanned');
    assert.deepEqual(unscanned.body.images[0].findings, []);
  });

  it('attaches the SBOM as a CycloneDX referrer of the image, through the registry', async () => {
    const res = await fetch(`${berth.url}/v2/acme/app/referrers/${app.manifest.digest}?artifactType=application/vnd.cyclonedx%2Bjson`);
    assert.equal(res.status, 200);
    const index = (await res.json()) as { manifests: Array<{ digest: string; artifactType: string; annotations: Record<string, string> }> };
    assert.equal(index.manifests.length, 1);
    const [referrer] = index.manifests;
    assert.equal(referrer!.artifactType, 'application/vnd.cyclonedx+json');
    assert.equal(referrer!.annotations['dev.berth.sbom.generator'], 'berth');
    const manifest = (await (await pull(berth, 'acme/app', referrer!.digest)).json()) as { subject: { digest: string }; layers: Array<{ digest: string; mediaType: string }> };
    assert.equal(manifest.subject.digest, app.manifest.digest);
    const blob = await fetch(`${berth.url}/v2/acme/app/blobs/${manifest.layers[0]!.digest}`);
    assert.equal(blob.status, 200);
    const bom = (await blob.json()) as { bomFormat: string; specVersion: string; components: Array<{ name: string; version: string }> };
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.equal(bom.specVersion, '1.6');
    assert.ok(bom.components.some((c) => c.name === 'libssl3' && c.version === '3.0.11-1~deb12u1'));
    // A second scan of the same image attaches no second SBOM.
    expectStatus(await api('POST', '/scans', { image: 'acme/app:v1', wait: true }), 200);
    const again = (await (await fetch(`${berth.url}/v2/acme/app/referrers/${app.manifest.digest}`)).json()) as { manifests: unknown[] };
    assert.equal(again.manifests.length, 1);
  });

  it('scans on demand and answers with the report when asked to wait', async () => {
    const res = await api('POST', '/scans', { image: 'other/clean:v1', wait: true });
    expectStatus(res, 200);
    assert.deepEqual(res.body.queued, [clean.manifest.digest]);
    assert.equal(res.body.report.images[0].status, 'scanned');
    assert.deepEqual(res.body.report.images[0].counts, { critical: 0, high: 0, medium: 0, low: 0, none: 0 });
    expectProblem(await api('POST', '/scans', { image: 'other/missing:v1' }), 404, 'RESOURCE_UNKNOWN');
  });

  it('renders one image as a table, SARIF 2.1.0 or CycloneDX VEX', async () => {
    const table = await api('GET', '/scans?image=acme/app:v1&format=table');
    expectStatus(table, 200);
    assert.match(table.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(table.text, /DSA-5500-1/);
    const sarif = await api('GET', '/scans?image=acme/app:v1&format=sarif');
    expectStatus(sarif, 200);
    const log = JSON.parse(sarif.text) as { version: string; runs: Array<{ results: Array<{ ruleId: string }> }> };
    assert.equal(log.version, '2.1.0');
    assert.deepEqual(log.runs[0]!.results.map((r) => r.ruleId).sort(), ['CVE-2026-0005', 'DSA-5500-1']);
    const vex = await api('GET', `/scans?image=acme/app@${app.manifest.digest}&format=vex`);
    expectStatus(vex, 200);
    const doc = JSON.parse(vex.text) as { bomFormat: string; vulnerabilities: Array<{ id: string }> };
    assert.equal(doc.bomFormat, 'CycloneDX');
    assert.deepEqual(doc.vulnerabilities.map((v) => v.id).sort(), ['CVE-2026-0005', 'DSA-5500-1']);
  });

  it('enforce refuses a pull by tag naming the worst ids; reads by digest and HEAD still work', async () => {
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true, mode: 'enforce', severity: 'high' }), 200);
    const refused = await pull(berth, 'acme/app', 'v1');
    assert.equal(refused.status, 403);
    const body = await refused.text();
    assert.match(body, /DENIED/);
    assert.match(body, /DSA-5500-1 \(critical, libssl3 3\.0\.11-1~deb12u1\)/);
    assert.doesNotMatch(body, /CVE-2026-0005/, 'a low finding is below the threshold');
    assert.equal((await pull(berth, 'acme/app', app.manifest.digest)).status, 200);
    assert.equal((await pull(berth, 'acme/app', 'v1', 'HEAD')).status, 200);
    // Another project's policy is its own.
    assert.equal((await pull(berth, 'other/app', 'v1')).status, 200);
  });

  it('warn allows with a Warning header; audit allows and records an audit event', async () => {
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true, mode: 'warn', severity: 'critical' }), 200);
    const warned = await pull(berth, 'acme/app', 'v1');
    assert.equal(warned.status, 200);
    assert.match(warned.headers.get('warning') ?? '', /^299 - ".*DSA-5500-1/);
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true, mode: 'audit', severity: 'critical' }), 200);
    const audited = await pull(berth, 'acme/app', 'v1');
    assert.equal(audited.status, 200);
    assert.equal(audited.headers.get('warning'), null);
    await eventually(async () => {
      const events = await api('GET', '/audit?action=pull-policy.audit');
      expectStatus(events, 200);
      const event = events.body.items.find((e: { repository: string }) => e.repository === 'acme/app');
      assert.ok(event, 'a pull-policy.audit event for acme/app');
      assert.match(JSON.stringify(event.detail), /DSA-5500-1/);
    });
    const changes = await api('GET', '/audit?action=scan.policy.update');
    assert.ok(changes.body.items.length >= 3);
  });

  it('an unexpired exception (by alias) for the repository lets the pull through; expired or elsewhere it does not', async () => {
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true, mode: 'enforce', severity: 'critical' }), 200);
    assert.equal((await pull(berth, 'acme/app', 'v1')).status, 403);
    const elsewhere = await api('POST', '/projects/acme/scan-exceptions', {
      vulnerabilityId: 'CVE-2026-1111', repository: 'acme/elsewhere', owner: 'sec-team', justification: 'not this one', expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    });
    expectStatus(elsewhere, 201);
    assert.equal((await pull(berth, 'acme/app', 'v1')).status, 403);
    expectProblem(await api('POST', '/projects/acme/scan-exceptions', {
      vulnerabilityId: 'CVE-2026-1111', owner: 'sec-team', justification: 'late', expiresAt: new Date(Date.now() - DAY_MS).toISOString(),
    }), 400, 'BAD_REQUEST');
    expectProblem(await api('POST', '/projects/acme/scan-exceptions', {
      vulnerabilityId: 'CVE-2026-1111', repository: 'other/app', owner: 'sec-team', justification: 'wrong project', expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    }), 400, 'BAD_REQUEST');
    const created = await api('POST', '/projects/acme/scan-exceptions', {
      vulnerabilityId: 'cve-2026-1111', repository: 'acme/app', owner: 'sec-team', justification: 'not reachable: TLS is terminated by the proxy', expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    });
    expectStatus(created, 201);
    assert.equal(created.body.isExpired, false);
    assert.equal((await pull(berth, 'acme/app', 'v1')).status, 200);
    const listed = await api('GET', '/projects/acme/scan-exceptions');
    assert.deepEqual(listed.body.items.map((e: { repository: string }) => e.repository).sort(), ['acme/app', 'acme/elsewhere']);
    expectStatus(await api('DELETE', `/projects/acme/scan-exceptions/${created.body.id}`), 204);
    assert.equal((await pull(berth, 'acme/app', 'v1')).status, 403);
    expectProblem(await api('DELETE', `/projects/acme/scan-exceptions/${created.body.id}`), 404, 'RESOURCE_UNKNOWN');
    // Put it back for the next test.
    expectStatus(await api('POST', '/projects/acme/scan-exceptions', {
      vulnerabilityId: 'DSA-5500-1', repository: 'acme/app', owner: 'sec-team', justification: 'accepted', expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    }), 201);
    assert.equal((await pull(berth, 'acme/app', 'v1')).status, 200);
  });

  it('new data re-matches stored inventories without reading layers: event, alert, and a grace period for the new CVE', async () => {
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true, mode: 'enforce', severity: 'critical', graceDays: 7 }), 200);
    const before = (await api('GET', '/scans?image=acme/app:v1')).body.images[0];
    const fresh = osvRecord({ id: 'CVE-2026-2222', aliases: ['GHSA-aaaa-bbbb-cccc'], pkg: 'tar', fixed: '1.34+dfsg-1.2+deb12u1', severity: CVSS.critical, published: new Date().toISOString() });
    matcher.replace([DSA, TAR_LOW, fresh]);
    await eventually(async () => {
      const image = (await api('GET', '/scans?image=acme/app:v1')).body.images[0];
      assert.equal(image.revision, await matcher.revision());
    });
    await berth.scanning.scans.queue.idle();
    const after = (await api('GET', '/scans?image=acme/app:v1')).body.images[0];
    assert.equal(after.scannedAt, before.scannedAt, 'the layers were not read again');
    assert.notEqual(after.matchedAt, before.matchedAt);
    assert.deepEqual(after.findings.map((f: { id: string }) => f.id), ['CVE-2026-2222', 'DSA-5500-1', 'CVE-2026-0005']);

    const alerts = await api('GET', '/alerts');
    const alert = alerts.body.items.find((a: { rule: string; detail: { digest: string } }) => a.rule === 'new-vulnerability' && a.detail.digest === app.manifest.digest);
    assert.ok(alert, 'a new-vulnerability alert for the image');
    assert.deepEqual(alert.detail.ids, ['CVE-2026-2222']);
    assert.deepEqual(alert.detail.repositories, ['acme/app', 'other/app']);
    await eventually(async () => {
      const events = (await api('GET', '/audit?action=scan.vulnerability-new')).body.items;
      assert.deepEqual(events.map((e: { repository: string }) => e.repository).sort(), ['acme/app', 'other/app']);
    });
    // The clean image gained nothing: no alert for it.
    assert.equal(alerts.body.items.filter((a: { detail: { digest: string } }) => a.detail.digest === clean.manifest.digest).length, 0);

    // Published today: within the 7-day grace period, so the pull still works; without grace it is refused.
    assert.equal((await pull(berth, 'acme/app', 'v1')).status, 200);
    expectStatus(await api('PUT', '/projects/acme/scan-policy', { scanOnPush: true, mode: 'enforce', severity: 'critical', graceDays: 0 }), 200);
    const refused = await pull(berth, 'acme/app', 'v1');
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /CVE-2026-2222/);
  });

  it('answers which images a vulnerability affects, by id or any alias', async () => {
    for (const id of ['CVE-2026-1111', 'DSA-5500-1', 'cve-2026-1111']) {
      const res = await api('GET', `/vulnerabilities/${id}/images`);
      expectStatus(res, 200);
      assert.deepEqual(res.body.images.map((i: { repository: string; digest: string; tags: string[] }) => [i.repository, i.digest, i.tags]), [
        ['acme/app', app.manifest.digest, ['v1']],
        ['other/app', app.manifest.digest, ['v1']],
      ], id);
      assert.deepEqual(res.body.images[0].findings.map((f: { id: string }) => f.id), ['DSA-5500-1']);
    }
    const ghsa = await api('GET', '/vulnerabilities/GHSA-aaaa-bbbb-cccc/images');
    assert.equal(ghsa.body.images.length, 2);
    const none = await api('GET', '/vulnerabilities/CVE-1999-0001/images');
    assert.deepEqual(none.body.images, []);
  });

  it('reports a repository: every image with its tags, status and counts', async () => {
    const res = await api('GET', '/repositories/other%2Fclean/scans');
    expectStatus(res, 200);
    assert.deepEqual(res.body, { repository: 'other/clean', images: [{ digest: clean.manifest.digest, mediaType: clean.manifest.mediaType, tags: ['v1'], status: 'scanned', counts: { critical: 0, high: 0, medium: 0, low: 0, none: 0 } }] });
    const app = await api('GET', '/repositories/acme%2Fapp/scans');
    // The SBOM referrer is an artifact, not an image: one entry.
    assert.equal(app.body.images.length, 1);
    assert.deepEqual(app.body.images[0].counts, { critical: 2, high: 0, medium: 0, low: 1, none: 0 });
  });

  it('refuses unscanned images when asked to, and scans them so a later pull passes', async () => {
    expectStatus(await api('PUT', '/projects/fresh/scan-policy', { mode: 'enforce', severity: 'high', refuseUnscanned: true }), 200);
    await pushBuilt(clientOf(berth), 'fresh/clean', clean, 'v2');
    // The digest was scanned already (other/clean): results are per digest.
    assert.equal((await pull(berth, 'fresh/clean', 'v2')).status, 200);
    const unique = await debianImage([{ name: 'tar', version: '1.34+dfsg-1.2+deb12u1' }], { 'srv/unique': 'u\n' }).build(join(dir, 'unique'), 'v1');
    await pushBuilt(clientOf(berth), 'fresh/unique', unique, 'v1');
    const refused = await pull(berth, 'fresh/unique', 'v1');
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /not been scanned/);
    await berth.scanning.scans.queue.idle();
    await eventually(async () => assert.equal((await pull(berth, 'fresh/unique', 'v1')).status, 200));
  });

  it('policy input is validated; a project without a policy has the default one', async () => {
    expectProblem(await api('PUT', '/projects/acme/scan-policy', { mode: 'loud' }), 400, 'BAD_REQUEST');
    expectProblem(await api('PUT', '/projects/acme/scan-policy', { graceDays: -1 }), 400, 'BAD_REQUEST');
    const policy = await api('GET', '/projects/other/scan-policy');
    assert.deepEqual(policy.body, { scanOnPush: false, mode: 'off', severity: 'critical', refuseUnscanned: false, graceDays: 0 });
  });
});

describe('registry scanning: priority and restart', { timeout: 600_000 }, () => {
  let dir: string;
  let images: BuiltImage[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-scan-queue-'));
    images = [];
    for (let i = 0; i < 12; i++) images.push(await debianImage([TAR], { [`srv/file-${i}`]: `${i}\n` }).build(join(dir, `img-${i}`), 'v1'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('an ad-hoc scan finishes while a scan-everything run is still queued', async () => {
    const berth = await startScanningBerth(join(dir, 'priority'), new MemoryMatcher([TAR_LOW]), 1);
    try {
      const api = callerFor({ url: berth.url } as TestBerth);
      for (const [i, image] of images.entries()) await pushBuilt(clientOf(berth), `bulk/img-${i}`, image, 'v1');
      const adhoc = await debianImage([OPENSSL]).build(join(dir, 'adhoc'), 'v1');
      await pushBuilt(clientOf(berth), 'bulk/adhoc', adhoc, 'v1');
      const all = await api('POST', '/scans/all');
      expectStatus(all, 200);
      assert.equal(all.body.queued, 13);
      const res = await api('POST', '/scans', { image: 'bulk/adhoc:v1', wait: true });
      expectStatus(res, 200);
      assert.equal(res.body.report.images[0].status, 'scanned');
      const queue = await api('GET', '/scans/queue');
      assert.ok(queue.body.queued >= 1, `background scans still queued when the ad-hoc one finished (${JSON.stringify(queue.body)})`);
      await berth.scanning.scans.queue.idle();
      const report = await api('GET', '/scans?image=bulk/img-11:v1');
      assert.equal(report.body.images[0].status, 'scanned');
    } finally {
      await berth.close();
    }
  });

  it('queued scans survive a restart and run after it', async () => {
    const data = join(dir, 'restart');
    const first = await startScanningBerth(data, new MemoryMatcher([TAR_LOW]), 1);
    for (const [i, image] of images.entries()) await pushBuilt(clientOf(first), `keep/img-${i}`, image, 'v1');
    await first.close();
    // What a server stopped in the middle of a scan-everything run leaves behind: jobs in the store.
    const store = await openMetaStore(sqliteDialect({ path: join(data, 'berth.db') }));
    for (const [i, image] of images.entries()) {
      await store.scans.enqueue({ kind: 'scan', repository: `keep/img-${i}` as RepoName, digest: image.manifest.digest as Digest, priority: 2, requestedAt: i });
    }
    await store.close();

    const second = await startScanningBerth(data, new MemoryMatcher([TAR_LOW]), 1);
    try {
      const api = callerFor({ url: second.url } as TestBerth);
      await second.scanning.scans.queue.idle();
      for (let i = 0; i < images.length; i++) {
        const report = await api('GET', `/scans?image=keep/img-${i}:v1`);
        assert.equal(report.body.images[0].status, 'scanned', `keep/img-${i}`);
        assert.deepEqual(report.body.images[0].findings.map((f: { id: string }) => f.id), ['CVE-2026-0005']);
      }
      assert.deepEqual(await second.meta.scans.queuedJobs(), []);
    } finally {
      await second.close();
    }
  });
});
