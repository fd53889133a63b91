import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Digest } from '../../src/oci/digest.ts';
import type { RepoName } from '../../src/oci/names.ts';
import { sha256 } from '../helpers/oci-client.ts';
import { expectBadField, expectProblem, expectStatus, startApiFixture, type ApiFixture, type Caller } from './api-client.ts';

const names = (res: { body: { items: { name: string }[] } }) => res.body.items.map((p) => p.name);

describe('REST API: projects', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let owner: Caller;
  let developer: Caller;
  let outsider: Caller;
  before(async () => {
    f = await startApiFixture();
    owner = await f.user('owner1');
    developer = await f.user('dev1');
    outsider = await f.user('outsider');
    await f.project('acme');
    await f.project('globex');
    await f.project('opensrc', { isPublic: true });
    await f.grant('acme', 'owner1', 'owner');
    await f.grant('acme', 'dev1', 'developer');
  });
  after(() => f?.stop());

  it('lists only the projects the caller may see', async () => {
    assert.deepEqual(names(await f.admin('GET', '/projects')), ['acme', 'globex', 'opensrc']);
    assert.deepEqual(names(await owner('GET', '/projects')), ['acme', 'opensrc']);
    assert.deepEqual(names(await outsider('GET', '/projects')), ['opensrc']);
    expectProblem(await f.anonymous('GET', '/projects'), 401, 'UNAUTHORIZED');
    const page = await f.admin('GET', '/projects?limit=2');
    assert.deepEqual(names(page), ['acme', 'globex']);
    assert.equal(page.body.next, 'globex');
    assert.deepEqual(names(await f.admin('GET', `/projects?limit=2&cursor=${page.body.next}`)), ['opensrc']);
  });

  it('a project the caller may not see answers 404, like a missing one', async () => {
    const got = await owner('GET', '/projects/acme');
    expectStatus(got, 200);
    assert.deepEqual(got.body, { name: 'acme', isPublic: false, createdAt: got.body.createdAt });
    expectStatus(await outsider('GET', '/projects/opensrc'), 200);
    const hidden = expectProblem(await outsider('GET', '/projects/acme'), 404, 'RESOURCE_UNKNOWN');
    const missing = expectProblem(await outsider('GET', '/projects/nosuch'), 404, 'RESOURCE_UNKNOWN');
    assert.equal(hidden.detail, missing.detail);
    expectProblem(await owner('GET', '/projects/globex'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.anonymous('GET', '/projects/opensrc'), 401, 'UNAUTHORIZED');
  });

  it('only admins create projects (without auth.selfServiceProjects); names follow the repository grammar', async () => {
    expectProblem(await owner('POST', '/projects', { name: 'mine' }), 403, 'DENIED');
    expectProblem(await f.anonymous('POST', '/projects', { name: 'mine' }), 401, 'UNAUTHORIZED');
    expectBadField(await f.admin('POST', '/projects', { name: 'Has-Caps' }), 'body.name');
    expectBadField(await f.admin('POST', '/projects', { name: 'a/b' }), 'body.name');
    expectBadField(await f.admin('POST', '/projects', { name: 'trailing-' }), 'body.name');
    expectBadField(await f.admin('POST', '/projects', { name: 'ok', isPublic: 'no' }), 'body.isPublic');
    expectProblem(await f.admin('POST', '/projects', { name: 'acme' }), 409, 'CONFLICT');
  });

  it('PATCH needs manage-settings: owners may, developers get 403, outsiders 404', async () => {
    const patched = await owner('PATCH', '/projects/acme', { isPublic: true });
    expectStatus(patched, 200);
    assert.equal(patched.body.isPublic, true);
    // Public now: the outsider sees it but still may not change it.
    expectStatus(await outsider('GET', '/projects/acme'), 200);
    expectProblem(await outsider('PATCH', '/projects/acme', { isPublic: false }), 403, 'DENIED');
    expectStatus(await owner('PATCH', '/projects/acme', { isPublic: false }), 200);
    expectProblem(await developer('PATCH', '/projects/acme', { isPublic: true }), 403, 'DENIED');
    expectProblem(await outsider('PATCH', '/projects/acme', { isPublic: true }), 404, 'RESOURCE_UNKNOWN');
    expectBadField(await owner('PATCH', '/projects/acme', {}), 'body.isPublic');
  });

  it('DELETE is for admins and refused while the project holds repositories', async () => {
    await f.project('doomed');
    await f.grant('doomed', 'owner1', 'owner');
    expectProblem(await owner('DELETE', '/projects/doomed'), 403, 'DENIED');
    const blob = 'layer bytes';
    await f.berth.meta.blobs.link('doomed/app' as RepoName, sha256(blob) as Digest, blob.length);
    expectProblem(await f.admin('DELETE', '/projects/doomed'), 409, 'CONFLICT');
    await f.project('doomed2');
    await f.berth.meta.blobs.link('doomed2-other/app' as RepoName, sha256(blob) as Digest, blob.length);
    expectStatus(await f.admin('DELETE', '/projects/doomed2'), 204);
    expectProblem(await f.admin('GET', '/projects/doomed2'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.admin('DELETE', '/projects/doomed2'), 404, 'RESOURCE_UNKNOWN');
  });
});

describe('REST API: self-service projects', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture({ auth: { adminPassword: 'test-admin-password-0123', selfServiceProjects: true } });
  });
  after(() => f?.stop());

  it('with auth.selfServiceProjects a user creates a project and owns it', async () => {
    const zoe = await f.user('zoe');
    expectStatus(await zoe('POST', '/projects', { name: 'zoes' }), 201);
    const members = await zoe('GET', '/projects/zoes/members');
    expectStatus(members, 200);
    assert.deepEqual(members.body.items.map((m: { kind: string; name: string; role: string; pattern: string }) => [m.kind, m.name, m.role, m.pattern]), [['user', 'zoe', 'owner', '**']]);
    expectStatus(await zoe('PATCH', '/projects/zoes', { isPublic: true }), 200);
  });
});
