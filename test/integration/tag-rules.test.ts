import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, callerFor, expectProblem, expectStatus, passwordOf, startApiFixture, type ApiFixture, type Caller } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { expectOciError, sha256 } from '../helpers/oci-client.ts';
import { pushImageAs } from './auth/auth-kit.ts';

/** Tag rules end to end: rules made through /api/v1, enforced on /v2 pushes and deletes by a real server. */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('tag rules through the API and /v2', { timeout: 180_000 }, () => {
  let f: ApiFixture;
  let owner: Caller;
  let maintainer: Caller;
  let developer: Caller;
  let outsider: Caller;
  const auth = (name: string) => basic(name, passwordOf(name));
  const ADMIN = basic('admin', TEST_ADMIN_PASSWORD);

  /** PUT of an already-pushed image's manifest under another tag (the blobs are in the repository). */
  async function retag(repo: string, manifest: string, tag: string, who: string): Promise<Response> {
    return fetch(`${f.berth.url}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { authorization: who, 'content-type': OCI_MANIFEST } });
  }
  async function manifestOf(repo: string, ref: string): Promise<string> {
    const res = await fetch(`${f.berth.url}/v2/${repo}/manifests/${ref}`, { headers: { authorization: ADMIN, accept: OCI_MANIFEST } });
    assert.equal(res.status, 200, `GET ${repo}:${ref}`);
    return res.text();
  }
  const del = (repo: string, ref: string, who: string) => fetch(`${f.berth.url}/v2/${repo}/manifests/${ref}`, { method: 'DELETE', headers: { authorization: who } });
  async function auditActions(project: string): Promise<Array<{ action: string; actorName: string; detail: Record<string, unknown> }>> {
    await f.berth.auth.audit.flush();
    const res = await f.admin('GET', `/audit?project=${project}&limit=500`);
    expectStatus(res, 200);
    return res.body.items.filter((e: { action: string }) => e.action.startsWith('tag-rule.'));
  }

  before(async () => {
    f = await startApiFixture();
    owner = await f.user('olive');
    maintainer = await f.user('max');
    developer = await f.user('dev');
    outsider = await f.user('otto');
    for (const p of ['acme', 'prodco', 'calm']) await f.project(p);
    await f.grant('acme', 'olive', 'owner');
    await f.grant('acme', 'max', 'maintainer');
    await f.grant('acme', 'dev', 'developer');
    await f.grant('prodco', 'olive', 'owner');
    await f.grant('prodco', 'max', 'maintainer');
    await f.grant('prodco', 'dev', 'developer');
    await f.grant('calm', 'dev', 'developer');
  });
  after(() => f?.stop());

  it('an enforced naming rule refuses a push with TAG_INVALID naming the rule; a warn rule answers a Warning header', async () => {
    const added = await maintainer('POST', '/projects/acme/tag-rules/naming', { name: 'release-names', repositories: 'api', forms: ['semver', 'git-sha'] });
    expectStatus(added, 201);
    assert.deepEqual({ ...added.body, id: undefined, createdAt: undefined }, {
      id: undefined, createdAt: undefined, name: 'release-names', repositories: 'api', createdBy: 'max', mode: 'enforce', conventions: true, maxLength: 64, forms: ['semver', 'git-sha'], pattern: null,
    });

    const refused = await pushImageAs(f.berth.url, 'acme/api', 'Feature_X', auth('dev')).catch((e: Error) => e.message);
    assert.match(String(refused), /PUT manifest acme\/api:Feature_X: 400 .*"code":"TAG_INVALID".*naming rule \\"release-names\\": not lowercase/);
    const image = await pushImageAs(f.berth.url, 'acme/api', 'v1.0.0', auth('dev'));
    const manifest = await manifestOf('acme/api', 'v1.0.0');
    const nightly = await retag('acme/api', manifest, 'nightly', auth('dev'));
    const entry = await expectOciError(nightly, 400, 'TAG_INVALID');
    assert.equal(entry.message, 'tag "nightly" breaks naming rule "release-names": it is none of the allowed forms; allowed: semver, git-sha');
    const sha = await retag('acme/api', manifest, 'abc1234', auth('dev'));
    assert.equal(sha.status, 201);
    assert.equal(sha.headers.get('warning'), null);
    // The rule names acme/api only.
    assert.equal((await pushImageAs(f.berth.url, 'acme/web', 'nightly', auth('dev')).then(() => 201)), 201);

    expectStatus(await maintainer('POST', '/projects/acme/tag-rules/naming', { name: 'style', mode: 'warn', repositories: 'web' }), 201);
    const warned = await retag('acme/web', await manifestOf('acme/web', 'nightly'), 'Nightly_2', auth('dev'));
    assert.equal(warned.status, 201);
    assert.equal(warned.headers.get('warning'), '299 - "tag \\"Nightly_2\\" breaks naming rule \\"style\\": not lowercase"');
    assert.equal(image, sha256(manifest));
  });

  it('an immutable tag can be re-pushed with its digest but never moved or deleted, by anyone; only an owner removes the rule', async () => {
    const rule = await maintainer('POST', '/projects/acme/tag-rules/immutable', { name: 'frozen', repositories: 'api', tags: 'v*' });
    expectStatus(rule, 201);
    assert.equal(rule.body.tags, 'v*');
    const v1 = await manifestOf('acme/api', 'v1.0.0');
    assert.equal((await retag('acme/api', v1, 'v1.0.0', auth('dev'))).status, 201, 'same digest again is no change');

    await pushImageAs(f.berth.url, 'acme/api', 'v2.0.0', auth('dev'), 'other layer');
    const v2 = await manifestOf('acme/api', 'v2.0.0');
    const moved = await expectOciError(await retag('acme/api', v2, 'v1.0.0', ADMIN), 403, 'DENIED');
    assert.equal(moved.message, 'tag acme/api:v1.0.0 is immutable (rule "frozen": tags v* in api) and cannot be moved to another digest');
    const byTag = await expectOciError(await del('acme/api', 'v1.0.0', ADMIN), 403, 'DENIED');
    assert.match(byTag.message, /rule "frozen".*cannot be deleted/);
    // Deleting the manifest would delete v2.0.0 with it: refused too, and nothing is removed.
    const byDigest = await expectOciError(await del('acme/api', sha256(v2), ADMIN), 403, 'DENIED');
    assert.match(byDigest.message, /acme\/api:v2\.0\.0 is immutable \(rule "frozen"/);
    assert.equal(await manifestOf('acme/api', 'v2.0.0'), v2);
    assert.equal(await manifestOf('acme/api', 'v1.0.0'), v1);
    // Tags outside the rule still move and go.
    assert.equal((await retag('acme/api', v2, 'abc1234', auth('dev'))).status, 201);
    assert.equal((await del('acme/api', 'abc1234', ADMIN)).status, 202);

    const listed = await developer('GET', '/projects/acme/tag-rules');
    expectStatus(listed, 200);
    assert.deepEqual(listed.body.immutable.map((r: { name: string }) => r.name), ['frozen']);
    assert.deepEqual(listed.body.naming.map((r: { name: string }) => r.name), ['release-names', 'style']);
    assert.deepEqual(listed.body.channels, ['dev', 'test', 'staging', 'prod']);

    expectProblem(await maintainer('DELETE', `/projects/acme/tag-rules/immutable/${rule.body.id}`), 403, 'DENIED');
    expectProblem(await owner('DELETE', `/projects/acme/tag-rules/naming/${rule.body.id}`), 404, 'RESOURCE_UNKNOWN');
    expectStatus(await owner('DELETE', `/projects/acme/tag-rules/immutable/${rule.body.id}`), 204);
    assert.equal((await retag('acme/api', v2, 'v1.0.0', auth('dev'))).status, 201, 'the rule is gone: the tag moves');

    const events = await auditActions('acme');
    const removal = events.find((e) => e.action === 'tag-rule.remove');
    assert.equal(removal?.actorName, 'olive');
    assert.equal(removal?.detail.rule, 'frozen');
    assert.equal(removal?.detail.kind, 'immutable');
    assert.deepEqual(events.filter((e) => e.action === 'tag-rule.add').map((e) => e.detail.rule).sort(), ['frozen', 'release-names', 'style']);
  });

  it('concurrent first pushes of an immutable tag: exactly one wins, the others are refused naming the rule', async () => {
    expectStatus(await maintainer('POST', '/projects/acme/tag-rules/immutable', { name: 'race-frozen', repositories: 'race', tags: 'v*' }), 201);
    await pushImageAs(f.berth.url, 'acme/race', 'base', auth('dev'));
    const base = JSON.parse(await manifestOf('acme/race', 'base')) as Record<string, unknown>;
    const variants = Array.from({ length: 6 }, (_, i) => JSON.stringify({ ...base, annotations: { variant: String(i) } }));
    const results = await Promise.all(variants.map((m) => retag('acme/race', m, 'v1.0.0', auth('dev'))));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses ${statuses.join(',')}`);
    const winner = variants[statuses.indexOf(201)]!;
    for (const res of results.filter((r) => r.status !== 201)) {
      const entry = await expectOciError(res, 403, 'DENIED');
      assert.match(entry.message, /acme\/race:v1\.0\.0 is immutable \(rule "race-frozen"/);
    }
    assert.equal(await manifestOf('acme/race', 'v1.0.0'), winner);
  });

  it('production protection refuses pushing latest; only owners change it; other projects are untouched', async () => {
    await pushImageAs(f.berth.url, 'prodco/app', 'latest', auth('dev'));
    const latest = await manifestOf('prodco/app', 'latest');
    expectProblem(await maintainer('PUT', '/projects/prodco/tag-rules/production', { isProduction: true }), 403, 'DENIED');
    const set = await owner('PUT', '/projects/prodco/tag-rules/production', { isProduction: true, refuseLatestPull: true });
    expectStatus(set, 200);
    assert.deepEqual(set.body, { isProduction: true, refuseLatestPull: true });

    const refused = await expectOciError(await retag('prodco/app', latest, 'latest', ADMIN), 403, 'DENIED');
    assert.equal(refused.message, 'project prodco is marked production (rule "production"): the tag "latest" is refused, push a version tag instead');
    assert.equal((await pushImageAs(f.berth.url, 'prodco/app', '1.0.0', auth('dev')).then(() => 201)), 201);
    assert.equal((await del('prodco/app', 'latest', auth('max'))).status, 202, 'removing latest is always allowed');
    assert.equal((await pushImageAs(f.berth.url, 'calm/app', 'latest', auth('dev')).then(() => 201)), 201);

    expectStatus(await owner('PUT', '/projects/prodco/tag-rules/production', { isProduction: false, refuseLatestPull: true }), 200);
    assert.deepEqual((await developer('GET', '/projects/prodco/tag-rules')).body.production, { isProduction: false, refuseLatestPull: false });
    assert.equal((await pushImageAs(f.berth.url, 'prodco/app', 'latest', auth('dev')).then(() => 201)), 201);
    const events = await auditActions('prodco');
    // Newest first.
    assert.deepEqual(events.map((e) => [e.action, e.actorName, e.detail.isProduction]), [['tag-rule.production', 'olive', false], ['tag-rule.production', 'olive', true]]);
  });

  it('rule management: validation, duplicate names, permissions and visibility', async () => {
    expectProblem(await owner('POST', '/projects/acme/tag-rules/naming', { name: 'release-names', forms: ['semver'] }), 409, 'CONFLICT');
    const bad = async (body: unknown, field: string) => {
      const res = await owner('POST', '/projects/acme/tag-rules/naming', body);
      assert.equal(expectProblem(res, 400, 'BAD_REQUEST').context?.field, field, res.text);
    };
    await bad({ name: 'p', forms: ['pattern'] }, 'body.pattern');
    await bad({ name: 'p', pattern: 'x*' }, 'body.pattern');
    await bad({ name: 'p', forms: ['pattern'], pattern: 'a/b' }, 'body.pattern');
    await bad({ name: 'p', conventions: false }, 'body.forms');
    await bad({ name: 'p', forms: ['nightly'] }, 'body.forms.0');
    await bad({ name: 'p', repositories: 'API/**' }, 'body.repositories');
    await bad({ name: 'Bad Name' }, 'body.name');
    expectProblem(await owner('POST', '/projects/acme/tag-rules/immutable', { name: 'x', tags: 'a b' }), 400, 'BAD_REQUEST');

    expectProblem(await developer('POST', '/projects/acme/tag-rules/naming', { name: 'mine' }), 403, 'DENIED');
    expectProblem(await developer('PUT', '/projects/acme/tag-rules/production', { isProduction: true }), 403, 'DENIED');
    expectProblem(await outsider('GET', '/projects/acme/tag-rules'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.anonymous('GET', '/projects/acme/tag-rules'), 401, 'UNAUTHORIZED');
    expectProblem(await owner('DELETE', '/projects/acme/tag-rules/naming/no-such-id'), 404, 'RESOURCE_UNKNOWN');
  });

  it('lists tags with digest, kind and push time, sorted by version, push time or name', async () => {
    const repo = 'calm/svc';
    await pushImageAs(f.berth.url, repo, '1.10.0', auth('dev'), 'a');
    const m = await manifestOf(repo, '1.10.0');
    for (const tag of ['v1.9.0', '1.10.0-rc.2', '1.10.0-rc.10', 'latest', 'dev', 'prod', '2026-11-28', 'abc1234', 'zz-feature']) {
      assert.equal((await retag(repo, m, tag, auth('dev'))).status, 201, tag);
    }
    const dev = callerFor(f.berth, auth('dev'));
    const byVersion = await dev('GET', `/repositories/${encodeURIComponent(repo)}/tags?sort=version`);
    expectStatus(byVersion, 200);
    assert.equal(byVersion.body.repository, repo);
    assert.deepEqual(byVersion.body.tags.map((t: { name: string }) => t.name), ['1.10.0', '1.10.0-rc.10', '1.10.0-rc.2', 'v1.9.0', '2026-11-28', 'dev', 'prod', 'latest', 'abc1234', 'zz-feature']);
    const first = byVersion.body.tags[0];
    assert.deepEqual({ ...first, pushedAt: undefined }, { name: '1.10.0', digest: sha256(m), kind: 'semver', version: '1.10.0', pushedAt: undefined });
    assert.ok(Math.abs(Date.parse(first.pushedAt) - Date.now()) < 3_600_000, first.pushedAt);
    assert.deepEqual(byVersion.body.tags.map((t: { kind: string }) => t.kind), ['semver', 'semver', 'semver', 'semver', 'date', 'channel', 'channel', 'latest', 'git-sha', 'other']);
    assert.equal(byVersion.body.tags[3].version, '1.9.0');

    const byName = await dev('GET', `/repositories/${encodeURIComponent(repo)}/tags?sort=name`);
    assert.deepEqual(byName.body.tags.map((t: { name: string }) => t.name), ['1.10.0', '1.10.0-rc.10', '1.10.0-rc.2', '2026-11-28', 'abc1234', 'dev', 'latest', 'prod', 'v1.9.0', 'zz-feature']);
    const byPushed = await dev('GET', `/repositories/${encodeURIComponent(repo)}/tags?sort=pushed`);
    const times = byPushed.body.tags.map((t: { pushedAt: string }) => Date.parse(t.pushedAt));
    assert.deepEqual(times, [...times].sort((a: number, b: number) => b - a));
    assert.equal(byPushed.body.tags.at(-1).name, '1.10.0', 'the first push is the oldest');

    expectProblem(await dev('GET', `/repositories/${encodeURIComponent(repo)}/tags?sort=size`), 400, 'BAD_REQUEST');
    expectProblem(await dev('GET', `/repositories/${encodeURIComponent('calm/none')}/tags`), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await outsider('GET', `/repositories/${encodeURIComponent(repo)}/tags`), 404, 'RESOURCE_UNKNOWN');
  });
});
