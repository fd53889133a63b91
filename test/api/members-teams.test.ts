import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { basic, expectBadField, expectProblem, expectStatus, passwordOf, startApiFixture, twoProjects, type ApiFixture, type Caller } from './api-client.ts';

type Member = { kind: string; name: string; role: string; pattern: string };
const rows = (res: { body: { items: Member[] } }) => res.body.items.map((m) => `${m.kind}:${m.name}:${m.role}:${m.pattern}`);

describe('REST API: project members', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let ownerA: Caller;
  let ownerB: Caller;
  let devA: Caller;
  let outsider: Caller;
  before(async () => {
    f = await startApiFixture();
    ({ ownerA, ownerB, devA, outsider } = await twoProjects(f));
    expectStatus(await f.admin('DELETE', '/projects/alpha/members/user/dev-a'), 204);
  });
  after(() => f?.stop());

  it('an owner grants, lists and revokes; a second grant with the same pattern replaces the role', async () => {
    const granted = await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', role: 'guest' });
    expectStatus(granted, 201);
    assert.deepEqual({ ...granted.body, createdAt: undefined }, { kind: 'user', name: 'dev-a', role: 'guest', pattern: '**', createdAt: undefined });
    expectStatus(await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', role: 'developer' }), 201);
    expectStatus(await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', role: 'maintainer', pattern: 'web/*' }), 201);
    assert.deepEqual(rows(await ownerA('GET', '/projects/alpha/members')), ['user:dev-a:developer:**', 'user:dev-a:maintainer:web/*', 'user:owner-a:owner:**']);

    const page = await ownerA('GET', '/projects/alpha/members?limit=2');
    assert.equal(page.body.items.length, 2);
    assert.notEqual(page.body.next, null);
    assert.deepEqual(rows(await ownerA('GET', `/projects/alpha/members?limit=2&cursor=${encodeURIComponent(page.body.next)}`)), ['user:owner-a:owner:**']);

    // A member (developer) may read the member list but not change it.
    expectStatus(await devA('GET', '/projects/alpha/members'), 200);
    expectProblem(await devA('POST', '/projects/alpha/members', { user: 'outsider', role: 'owner' }), 403, 'DENIED');
    expectProblem(await devA('DELETE', '/projects/alpha/members/user/owner-a'), 403, 'DENIED');

    expectStatus(await ownerA('DELETE', '/projects/alpha/members/user/dev-a?pattern=web%2F*'), 204);
    assert.deepEqual(rows(await ownerA('GET', '/projects/alpha/members')), ['user:dev-a:developer:**', 'user:owner-a:owner:**']);
    expectStatus(await ownerA('DELETE', '/projects/alpha/members/user/dev-a'), 204);
    expectProblem(await ownerA('DELETE', '/projects/alpha/members/user/dev-a'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await devA('GET', '/projects/alpha/members'), 404, 'RESOURCE_UNKNOWN');
  });

  it('validates grants: pattern, role, subject', async () => {
    expectBadField(await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', role: 'developer', pattern: 'web/**x' }), 'body.pattern');
    expectBadField(await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', role: 'developer', pattern: 'a//b' }), 'body.pattern');
    expectBadField(await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', role: 'emperor' }), 'body.role');
    expectBadField(await ownerA('POST', '/projects/alpha/members', { user: 'nobody-here', role: 'guest' }), 'body.user');
    expectBadField(await ownerA('POST', '/projects/alpha/members', { team: 'no-team', role: 'guest' }), 'body.team');
    expectBadField(await ownerA('POST', '/projects/alpha/members', { user: 'dev-a', team: 'x', role: 'guest' }), 'body.user');
    expectBadField(await ownerA('POST', '/projects/alpha/members', { role: 'guest' }), 'body.user');
    expectBadField(await ownerA('DELETE', '/projects/alpha/members/robot/x'), 'params.kind');
  });

  it('isolates projects: the owner of alpha cannot read or change beta\'s members', async () => {
    expectProblem(await ownerA('GET', '/projects/beta/members'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('POST', '/projects/beta/members', { user: 'owner-a', role: 'owner' }), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('DELETE', '/projects/beta/members/user/owner-b'), 404, 'RESOURCE_UNKNOWN');
    assert.deepEqual(rows(await ownerB('GET', '/projects/beta/members')), ['user:owner-b:owner:**']);
    // A public project is visible, but its member list is for members.
    expectProblem(await outsider('GET', '/projects/pub/members'), 403, 'DENIED');
    expectProblem(await f.anonymous('GET', '/projects/alpha/members'), 401, 'UNAUTHORIZED');
  });

  it('a new grant takes effect at once (access caches are invalidated)', async () => {
    expectProblem(await outsider('GET', '/projects/beta'), 404, 'RESOURCE_UNKNOWN');
    expectStatus(await ownerB('POST', '/projects/beta/members', { user: 'outsider', role: 'owner' }), 201);
    expectStatus(await outsider('PATCH', '/projects/beta', { isPublic: false }), 200);
    expectStatus(await ownerB('DELETE', '/projects/beta/members/user/outsider'), 204);
    expectProblem(await outsider('PATCH', '/projects/beta', { isPublic: false }), 404, 'RESOURCE_UNKNOWN');
  });

  it('a revoked grant ends registry pulls at once, although allowed pulls are briefly remembered per caller', async () => {
    const admin = basic('admin', TEST_ADMIN_PASSWORD);
    const v2 = (path: string, init: RequestInit & { headers: Record<string, string> }) => fetch(`${f.berth.url}/v2/${path}`, init);
    const body = Buffer.from('remembered pulls');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const pushed = await v2(`beta/app/blobs/uploads/?digest=${digest}`, { method: 'POST', headers: { authorization: admin, 'content-type': 'application/octet-stream' }, body });
    assert.equal(pushed.status, 201);
    expectStatus(await ownerB('POST', '/projects/beta/members', { user: 'outsider', role: 'guest' }), 201);
    const head = () => v2(`beta/app/blobs/${digest}`, { method: 'HEAD', headers: { authorization: basic('outsider', passwordOf('outsider')) } });
    for (let i = 0; i < 3; i++) assert.equal((await head()).status, 200);
    expectStatus(await ownerB('DELETE', '/projects/beta/members/user/outsider'), 204);
    assert.equal((await head()).status, 404);
  });
});

describe('REST API: teams', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let tina: Caller;
  before(async () => {
    f = await startApiFixture();
    tina = await f.user('tina');
    await f.project('teamproj');
  });
  after(() => f?.stop());

  it('an admin manages teams and their members; a team grant reaches its members', async () => {
    const created = await f.admin('POST', '/teams', { name: 'platform' });
    expectStatus(created, 201);
    assert.equal(created.body.name, 'platform');
    expectProblem(await f.admin('POST', '/teams', { name: 'platform' }), 409, 'CONFLICT');
    expectBadField(await f.admin('POST', '/teams', { name: '-bad' }), 'body.name');
    assert.deepEqual((await f.admin('GET', '/teams')).body.items.map((t: { name: string }) => t.name), ['platform']);

    expectStatus(await f.admin('PUT', '/teams/platform/members/tina'), 204);
    expectStatus(await f.admin('PUT', '/teams/platform/members/tina'), 204);
    assert.deepEqual((await f.admin('GET', '/teams/platform/members')).body, { items: [{ username: 'tina' }], next: null });
    expectProblem(await f.admin('PUT', '/teams/platform/members/nobody'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.admin('PUT', '/teams/nosuch/members/tina'), 404, 'RESOURCE_UNKNOWN');

    expectProblem(await tina('GET', '/projects/teamproj'), 404, 'RESOURCE_UNKNOWN');
    expectStatus(await f.admin('POST', '/projects/teamproj/members', { team: 'platform', role: 'owner' }), 201);
    expectStatus(await tina('GET', '/projects/teamproj'), 200);
    assert.deepEqual(rows(await tina('GET', '/projects/teamproj/members')), ['team:platform:owner:**']);
    expectStatus(await tina('PATCH', '/projects/teamproj', { isPublic: false }), 200);

    expectStatus(await f.admin('DELETE', '/teams/platform/members/tina'), 204);
    expectProblem(await f.admin('DELETE', '/teams/platform/members/tina'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await tina('GET', '/projects/teamproj'), 404, 'RESOURCE_UNKNOWN');

    expectStatus(await f.admin('DELETE', '/teams/platform'), 204);
    expectProblem(await f.admin('DELETE', '/teams/platform'), 404, 'RESOURCE_UNKNOWN');
    assert.deepEqual(rows(await f.admin('GET', '/projects/teamproj/members')), []);
  });

  it('teams are for admins only', async () => {
    for (const [method, path, body] of [
      ['GET', '/teams'],
      ['POST', '/teams', { name: 'x' }],
      ['DELETE', '/teams/x'],
      ['GET', '/teams/x/members'],
      ['PUT', '/teams/x/members/tina'],
      ['DELETE', '/teams/x/members/tina'],
    ] as const) {
      expectProblem(await tina(method, path, body), 403, 'DENIED');
      expectProblem(await f.anonymous(method, path, body), 401, 'UNAUTHORIZED');
    }
  });
});
