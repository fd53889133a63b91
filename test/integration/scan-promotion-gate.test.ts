/**
 * The `scan-clean` promotion gate (#5 x #4) against a real Berth with a small in-memory matcher: clean, vulnerable
 * (worst ids named), the target project's exceptions, unscanned images (fail, or queue a scan); a promoted image
 * shows its stored scan and SBOM in the target repository without a rescan.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import type { RunningBerth } from '../../src/main.ts';
import { CVSS, debianImage, MemoryMatcher, osvRecord } from '../../src/scan/registry/scan-test-kit.ts';
import { callerFor, expectProblem, expectStatus, type ApiResponse, type Caller } from '../api/api-client.ts';
import type { TestBerth } from '../helpers/berth-server.ts';
import { OCI_MANIFEST } from '../helpers/oci-client.ts';
import { anonymousClient, startScanningBerth } from '../helpers/scanning-berth.ts';
import { testIndex, type BuiltImage } from '../helpers/test-image.ts';
import { digestOf } from '../../src/oci/digest.ts';

const OPENSSL = { name: 'libssl3', version: '3.0.11-1~deb12u1', source: 'openssl' };
const ZLIB = { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' };
const TAR = { name: 'tar', version: '1.34+dfsg-1.2' };
const DSA = osvRecord({ id: 'DSA-5500-1', aliases: ['CVE-2026-1111'], pkg: 'openssl', fixed: '3.0.11-1~deb12u2', severity: CVSS.critical });
const ZLIB_HIGH = osvRecord({ id: 'CVE-2026-2222', pkg: 'zlib', severity: CVSS.high });
const TAR_LOW = osvRecord({ id: 'CVE-2026-0005', pkg: 'tar', fixed: '1.34+dfsg-1.2+deb12u1', severity: CVSS.low });
const SBOM_TYPE = 'application/vnd.cyclonedx+json';
const IN_A_MONTH = () => new Date(Date.now() + 30 * 86_400_000).toISOString();

type Gate = { kind: string; passed: boolean; reason: string };
/** The scan-clean result of a promotion answer (200) or refusal (412). */
const scanGate = (res: ApiResponse): Gate => ((res.body.context?.gates ?? res.body.gates) as Gate[]).find((g) => g.kind === 'scan-clean')!;

describe('scan-clean promotion gate', { timeout: 600_000 }, () => {
  let dir: string;
  let berth: RunningBerth;
  let api: Caller;
  let matcher: MemoryMatcher;
  let app: BuiltImage;
  let clean: BuiltImage;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-scan-gate-'));
    matcher = new MemoryMatcher([DSA, ZLIB_HIGH, TAR_LOW]);
    berth = await startScanningBerth(join(dir, 'data'), matcher);
    api = callerFor({ url: berth.url } as TestBerth);
    app = await debianImage([OPENSSL, ZLIB, TAR]).build(join(dir, 'app'), 'v1');
    clean = await debianImage([{ name: 'tar', version: '1.34+dfsg-1.2+deb12u1' }], { 'srv/clean': 'clean\n' }).build(join(dir, 'clean'), 'v1');
    for (const project of ['acme', 'prod', 'stage']) expectStatus(await api('POST', '/projects', { name: project }), 201);
    const client = anonymousClient(berth);
    await pushBuilt(client, 'acme/app', app, 'v1');
    await pushBuilt(client, 'acme/clean', clean, 'v1');
    // prod fails on high, with the default for unscanned images (fail); stage fails on critical and queues a scan.
    const prodGate = await api('POST', '/projects/prod/promotion-gates', { kind: 'scan-clean', params: { severity: 'high' } });
    expectStatus(prodGate, 201);
    assert.deepEqual(prodGate.body.params, { severity: 'high', unscanned: 'fail' });
    expectStatus(await api('POST', '/projects/stage/promotion-gates', { kind: 'scan-clean', params: { severity: 'critical', unscanned: 'scan' } }), 201);
  });
  after(async () => {
    await berth?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is listed as a gate kind and validates its params', async () => {
    const kinds = await api('GET', '/promotion-gate-kinds');
    expectStatus(kinds, 200);
    assert.match(JSON.stringify(kinds.body), /"kind":"scan-clean"/);
    const bad = expectProblem(await api('POST', '/projects/prod/promotion-gates', { kind: 'scan-clean', params: { severity: 'severe' } }), 400, 'BAD_REQUEST');
    assert.equal(bad.context?.field, 'body.params.severity');
    expectProblem(await api('POST', '/projects/prod/promotion-gates', { kind: 'scan-clean', params: { unscanned: 'later' } }), 400, 'BAD_REQUEST');
  });

  it('fails an unscanned image, queueing nothing by default', async () => {
    const res = await api('POST', '/promotions', { source: 'acme/clean:v1', to: 'prod/clean:v1' });
    expectProblem(res, 412, 'PROMOTION_GATE_FAILED');
    assert.equal(scanGate(res).passed, false);
    assert.equal(scanGate(res).reason, `the image has not been scanned for vulnerabilities: run berth scans run acme/clean@${clean.manifest.digest} --wait`);
    assert.equal(berth.scanning.scans.queue.isPending('scan', clean.manifest.digest), false);
    const report = await api('GET', '/scans?image=acme/clean:v1');
    assert.equal(report.body.images[0].status, 'unscanned');
    const notMoved = await fetch(`${berth.url}/v2/prod/clean/manifests/v1`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
    assert.equal(notMoved.status, 404);
  });

  it('with unscanned: scan, queues a scan and asks for a retry; the retry passes a clean image', async () => {
    const first = await api('POST', '/promotions', { source: 'acme/clean:v1', to: 'stage/clean:v1' });
    expectProblem(first, 412, 'PROMOTION_GATE_FAILED');
    assert.equal(scanGate(first).reason, 'the image has not been scanned for vulnerabilities: scan queued, retry when it has finished');
    await berth.scanning.scans.queue.idle();
    const report = await api('GET', '/scans?image=acme/clean:v1');
    assert.equal(report.body.images[0].status, 'scanned');
    const retry = await api('POST', '/promotions', { source: 'acme/clean:v1', to: 'stage/clean:v1' });
    expectStatus(retry, 200);
    assert.equal(retry.body.moved, true);
    assert.deepEqual(scanGate(retry), { ...scanGate(retry), passed: true, reason: 'scanned: no vulnerability at or above critical' });
  });

  it('fails a vulnerable image naming the worst ids first; findings below the threshold do not count', async () => {
    expectStatus(await api('POST', '/scans', { image: 'acme/app:v1', wait: true }), 200);
    const res = await api('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1' });
    const problem = expectProblem(res, 412, 'PROMOTION_GATE_FAILED');
    assert.match(problem.detail, /scan-clean/);
    assert.equal(scanGate(res).reason,
      '2 vulnerabilities at or above high: DSA-5500-1 (critical, libssl3 3.0.11-1~deb12u1), CVE-2026-2222 (high, zlib1g 1:1.2.13.dfsg-1)');
    // stage fails only on critical: the high finding does not count there.
    const stage = await api('POST', '/promotions', { source: 'acme/app:v1', to: 'stage/app:v1', dryRun: true });
    assert.equal(scanGate(stage).reason, '1 vulnerability at or above critical: DSA-5500-1 (critical, libssl3 3.0.11-1~deb12u1)');
  });

  it("honours the target project's exceptions (by alias, per repository), not the source project's", async () => {
    for (const id of ['CVE-2026-1111', 'CVE-2026-2222']) {
      expectStatus(await api('POST', '/projects/acme/scan-exceptions', { vulnerabilityId: id, owner: 'sec', justification: 'source project', expiresAt: IN_A_MONTH() }), 201);
    }
    expectProblem(await api('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1' }), 412, 'PROMOTION_GATE_FAILED');
    expectStatus(await api('POST', '/projects/prod/scan-exceptions', { vulnerabilityId: 'cve-2026-1111', repository: 'prod/app', owner: 'sec', justification: 'not reachable', expiresAt: IN_A_MONTH() }), 201);
    expectStatus(await api('POST', '/projects/prod/scan-exceptions', { vulnerabilityId: 'CVE-2026-2222', repository: 'prod/other', owner: 'sec', justification: 'elsewhere', expiresAt: IN_A_MONTH() }), 201);
    const partly = await api('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1', dryRun: true });
    assert.equal(scanGate(partly).reason, '1 vulnerability at or above high: CVE-2026-2222 (high, zlib1g 1:1.2.13.dfsg-1)');
    expectStatus(await api('POST', '/projects/prod/scan-exceptions', { vulnerabilityId: 'CVE-2026-2222', owner: 'sec', justification: 'mitigated', expiresAt: IN_A_MONTH() }), 201);
    const passed = await api('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1' });
    expectStatus(passed, 200);
    assert.equal(passed.body.moved, true);
    assert.equal(scanGate(passed).reason, 'scanned: no vulnerability at or above high (2 excepted or in grace, 1 below)');
  });

  it('judges every platform image of an index, not its attestation entry', async () => {
    const built = await testIndex()
      .image(debianImage([{ name: 'tar', version: '1.34+dfsg-1.2+deb12u1' }]).platform({ os: 'linux', architecture: 'amd64' }))
      .image(debianImage([OPENSSL]).platform({ os: 'linux', architecture: 'arm64' }))
      .build(join(dir, 'multi'), 'v3');
    const client = anonymousClient(berth);
    for (const image of built.images) await pushBuilt(client, 'acme/multi', image, image.manifest.digest);
    // A BuildKit-style attestation manifest, listed with platform unknown/unknown: an artifact, never scanned.
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2' }));
    const empty = Buffer.from('{}');
    for (const blob of [statement, empty]) await client.uploadBlob('acme/multi', await client.startUpload('acme/multi'), digestOf(blob), new Blob([new Uint8Array(blob)]).stream(), blob.length);
    const attestation = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(empty), size: empty.length },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: digestOf(statement), size: statement.length }],
    }));
    const attestationDigest = await client.putManifest('acme/multi', digestOf(attestation), attestation, OCI_MANIFEST);
    const index = JSON.parse(built.index.bytes.toString('utf8')) as { manifests: unknown[] };
    index.manifests.push({ mediaType: OCI_MANIFEST, digest: attestationDigest, size: attestation.length, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': built.images[0]!.manifest.digest } });
    await client.putManifest('acme/multi', 'v3', Buffer.from(JSON.stringify(index)), 'application/vnd.oci.image.index.v1+json');
    const [amd64, arm64] = built.images.map((i) => i.manifest.digest);

    // Only the amd64 image scanned: the arm64 one counts as unscanned, the attestation does not count at all.
    expectStatus(await api('POST', '/scans', { image: `acme/multi@${amd64}`, wait: true }), 200);
    const partly = await api('POST', '/promotions', { source: 'acme/multi:v3', to: 'prod/multi:v3', dryRun: true });
    assert.equal(scanGate(partly).reason, `1 of 2 images have not been scanned for vulnerabilities: run berth scans run acme/multi@${arm64} --wait`);
    expectStatus(await api('POST', '/scans', { image: 'acme/multi:v3', wait: true }), 200);
    assert.equal(berth.scanning.scans.queue.isPending('scan', attestationDigest), false);
    const blocked = await api('POST', '/promotions', { source: 'acme/multi:v3', to: 'stage/multi:v3' });
    expectProblem(blocked, 412, 'PROMOTION_GATE_FAILED');
    assert.equal(scanGate(blocked).reason, '1 vulnerability at or above critical: DSA-5500-1 (critical, libssl3 3.0.11-1~deb12u1)');
  });

  it('the promoted image shows its stored scan and its SBOM in the target repository, without a rescan', async () => {
    const matchesBefore = matcher.matches;
    const source = (await api('GET', '/scans?image=acme/app:v1')).body.images[0];
    const target = await api('GET', '/scans?image=prod/app:v1');
    expectStatus(target, 200);
    assert.equal(target.body.digest, app.manifest.digest);
    const [image] = target.body.images;
    assert.equal(image.status, 'scanned');
    assert.equal(image.scannedAt, source.scannedAt);
    assert.deepEqual(image.counts, { critical: 1, high: 1, medium: 0, low: 1, none: 0 });
    assert.deepEqual(image.findings.map((f: { id: string }) => f.id), ['DSA-5500-1', 'CVE-2026-2222', 'CVE-2026-0005']);
    const repo = await api('GET', '/repositories/prod%2Fapp/scans');
    expectStatus(repo, 200);
    assert.deepEqual(repo.body.images, [{ digest: app.manifest.digest, mediaType: app.manifest.mediaType, tags: ['v1'], status: 'scanned', counts: { critical: 1, high: 1, medium: 0, low: 1, none: 0 } }]);
    const affected = await api('GET', '/vulnerabilities/CVE-2026-1111/images');
    const holding = affected.body.images.filter((i: { digest: string }) => i.digest === app.manifest.digest);
    assert.deepEqual(holding.map((i: { repository: string }) => i.repository), ['acme/app', 'prod/app']);
    assert.equal(berth.scanning.scans.queue.isPending('scan', app.manifest.digest), false);
    assert.equal(matcher.matches, matchesBefore, 'nothing was matched again');

    const referrers = await fetch(`${berth.url}/v2/prod/app/referrers/${app.manifest.digest}?artifactType=${encodeURIComponent(SBOM_TYPE)}`);
    assert.equal(referrers.status, 200);
    const index = (await referrers.json()) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0]!.annotations['dev.berth.sbom.generator'], 'berth');
    const sourceIndex = (await (await fetch(`${berth.url}/v2/acme/app/referrers/${app.manifest.digest}?artifactType=${encodeURIComponent(SBOM_TYPE)}`)).json()) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]!.digest, sourceIndex.manifests[0]!.digest, 'the same SBOM manifest, copied');
    const manifest = (await (await fetch(`${berth.url}/v2/prod/app/manifests/${index.manifests[0]!.digest}`, { headers: { accept: OCI_MANIFEST } })).json()) as { layers: Array<{ digest: string }> };
    const bom = await fetch(`${berth.url}/v2/prod/app/blobs/${manifest.layers[0]!.digest}`);
    assert.equal(bom.status, 200);
    const doc = (await bom.json()) as { bomFormat: string; components: Array<{ name: string }> };
    assert.equal(doc.bomFormat, 'CycloneDX');
    assert.ok(doc.components.some((c) => c.name === 'zlib1g'));
  });
});
