import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ANALYSIS_SCHEMA_VERSION } from '../../src/analyze/analysis.types.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import type { Digest } from '../../src/oci/digest.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { testImage, whiteout, type BuiltImage } from '../helpers/test-image.ts';
import { expectBadField, expectProblem, expectStatus, startApiFixture, type ApiFixture, type Caller } from './api-client.ts';

const BASE_FILES = { 'etc/os-release': 'ID=debian\n' };
const BIG = 'x'.repeat(5000);

describe('REST API: image analysis', { timeout: 300_000 }, () => {
  let f: ApiFixture;
  let dir: string;
  let dev: Caller;
  let outsider: Caller;
  let app: BuiltImage;
  let other: BuiltImage;

  before(async () => {
    f = await startApiFixture();
    dir = await mkdtemp(join(tmpdir(), 'berth-analysis-api-'));
    dev = await f.user('dev');
    outsider = await f.user('outsider');
    await f.project('alpha');
    await f.project('secret');
    await f.grant('alpha', 'dev', 'guest');
    const client = new RegistryClient({ host: new URL(f.berth.url).host, baseUrl: f.berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    // A base, and an app on it that writes 5000 bytes in one layer and deletes them in the next.
    const base = await testImage().layer(BASE_FILES).build(join(dir, 'base'), 'v1');
    app = await testImage().layer(BASE_FILES).layer({ 'tmp/big.bin': BIG }).layer({ [whiteout('tmp/big.bin')]: '', 'app/run.sh': 'echo hi\n' }).config({ User: 'app' }).build(join(dir, 'app'), 'v1');
    other = await testImage().layer({ 'srv/data': 'd'.repeat(300) }).layer({ 'srv/data': 'e'.repeat(100) }).build(join(dir, 'other'), 'v1');
    await pushBuilt(client, 'alpha/base', base, 'v1');
    await pushBuilt(client, 'alpha/app', app, 'v1');
    await pushBuilt(client, 'alpha/other', other, 'v1');
    await pushBuilt(client, 'secret/app', app, 'v1');
  });
  after(async () => {
    await f?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('analyses an image from Berth\'s storage: waste, efficiency, layers and the stored base it sits on', async () => {
    const before = f.berth.analysis.computations;
    const res = await dev('GET', '/analysis?image=alpha/app:v1');
    expectStatus(res, 200);
    assert.deepEqual(res.body.image, { repository: 'alpha/app', reference: 'v1', digest: app.manifest.digest, mediaType: app.manifest.mediaType, platform: '' });
    assert.equal(res.body.isCached, false);
    assert.equal(res.body.engineVersion, ANALYSIS_SCHEMA_VERSION);
    const analysis = res.body.analysis;
    assert.equal(analysis.digest, app.manifest.digest);
    const [image] = analysis.images;
    assert.equal(image.layers.length, 3);
    assert.deepEqual(image.layers.map((l: { digest: string }) => l.digest), app.layers.map((l) => l.digest));
    assert.equal(image.waste.deletedBytes, 5000);
    assert.equal(image.waste.wastedBytes, 5000);
    assert.equal(image.waste.layerFileBytes, 10 + 5000 + 8);
    // Recognised by its bottom layer, among the images stored here.
    assert.equal(image.base.evidence, 'layer-prefix');
    assert.equal(image.base.name, 'alpha/base:v1');
    assert.equal(image.base.layerCount, 1);
    assert.ok(image.advice.some((a: { id: string }) => a.id === 'deleted-files'));
    assert.equal(f.berth.analysis.computations, before + 1);
  });

  it('a second request is served from the cache: same result, no new computation', async () => {
    const first = await dev('GET', '/analysis?image=alpha/app:v1');
    const computed = f.berth.analysis.computations;
    const byDigest = await dev('GET', `/analysis?image=alpha/app@${app.manifest.digest}`);
    expectStatus(byDigest, 200);
    assert.equal(byDigest.body.isCached, true);
    assert.equal(byDigest.body.analyzedAt, first.body.analyzedAt);
    assert.deepEqual(byDigest.body.analysis, first.body.analysis);
    assert.equal(byDigest.body.image.reference, app.manifest.digest);
    assert.equal(f.berth.analysis.computations, computed);
  });

  it('concurrent requests for an image not yet analysed compute it once', async () => {
    const before = f.berth.analysis.computations;
    const answers = await Promise.all([1, 2, 3, 4].map(() => dev('GET', '/analysis?image=alpha/other:v1')));
    for (const a of answers) expectStatus(a, 200);
    assert.equal(f.berth.analysis.computations, before + 1);
    assert.equal(new Set(answers.map((a) => a.body.analyzedAt)).size, 1);
    assert.equal(answers[0]!.body.analysis.images[0].waste.overwrittenBytes, 300);
  });

  it('a result from another engine version is recomputed and replaced', async () => {
    const digest = other.manifest.digest as Digest;
    const stale = await f.berth.meta.analyses.find(digest, '');
    assert.ok(stale);
    await f.berth.meta.analyses.put({ ...stale, engineVersion: ANALYSIS_SCHEMA_VERSION - 1, resultJson: '{"schemaVersion":0,"source":"old","digest":"x","mediaType":"x","images":[]}' });
    const before = f.berth.analysis.computations;
    const res = await dev('GET', '/analysis?image=alpha/other:v1');
    expectStatus(res, 200);
    assert.equal(res.body.isCached, false);
    assert.equal(res.body.analysis.schemaVersion, ANALYSIS_SCHEMA_VERSION);
    assert.equal(f.berth.analysis.computations, before + 1);
    assert.equal((await f.berth.meta.analyses.find(digest, ''))?.engineVersion, ANALYSIS_SCHEMA_VERSION);
  });

  it('images the caller may not pull answer 404 exactly like missing ones; bad input is 400, no credentials 401', async () => {
    const hidden = expectProblem(await dev('GET', '/analysis?image=secret/app:v1'), 404, 'RESOURCE_UNKNOWN');
    const missingTag = expectProblem(await dev('GET', '/analysis?image=alpha/app:nosuch'), 404, 'RESOURCE_UNKNOWN');
    const missingRepo = expectProblem(await dev('GET', '/analysis?image=alpha/nosuch:v1'), 404, 'RESOURCE_UNKNOWN');
    assert.equal(hidden.detail, missingTag.detail);
    assert.equal(hidden.detail, missingRepo.detail);
    expectProblem(await outsider('GET', '/analysis?image=alpha/app:v1'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.anonymous('GET', '/analysis?image=alpha/app:v1'), 401, 'UNAUTHORIZED');
    expectBadField(await dev('GET', '/analysis?image=Bad%20Name:v1'), 'query.image');
    expectBadField(await dev('GET', '/analysis?image=alpha/app:v1&platform=linux'), 'query.platform');
    expectBadField(await dev('GET', '/analysis'), 'query.image');
    // The admin may see it: the same image in the hidden project analyses (from the cache: same digest).
    const admin = await f.admin('GET', '/analysis?image=secret/app:v1');
    expectStatus(admin, 200);
    assert.equal(admin.body.isCached, true);
  });

  it('the storage report ranks analysed images by wasted bytes, within what the caller may see', async () => {
    const mine = await dev('GET', '/storage');
    expectStatus(mine, 200);
    assert.deepEqual(mine.body.biggestWasters.map((w: { repository: string; wastedBytes: number }) => [w.repository, w.wastedBytes]), [['alpha/app', 5000], ['alpha/other', 300]]);
    const appRow = mine.body.biggestWasters[0];
    assert.equal(appRow.digest, app.manifest.digest);
    assert.equal(appRow.efficiency, (5018 - 5000) / 5018);
    const all = await f.admin('GET', '/storage');
    assert.deepEqual(all.body.biggestWasters.map((w: { repository: string }) => w.repository), ['alpha/app', 'secret/app', 'alpha/other']);
  });
});
