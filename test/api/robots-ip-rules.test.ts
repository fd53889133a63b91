import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoSecrets, basic, callerFor, expectBadField, expectProblem, expectStatus, startApiFixture, twoProjects, type ApiFixture, type Caller } from './api-client.ts';

const robotBody = (name: string, pattern: string, actions: string[] = ['pull', 'push']) => ({ name, permissions: [{ pattern, actions }] });

describe('REST API: robots', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let ownerA: Caller;
  let ownerB: Caller;
  let devA: Caller;
  before(async () => {
    f = await startApiFixture();
    ({ ownerA, ownerB, devA } = await twoProjects(f));
  });
  after(() => f?.stop());

  it('shows a robot secret exactly once; the robot signs in with it; regeneration replaces it', async () => {
    const created = await ownerA('POST', '/projects/alpha/robots', { ...robotBody('ci', 'alpha/**'), description: 'CI pushes', expiresAt: '2099-01-01T00:00:00Z' });
    expectStatus(created, 201);
    assert.equal(created.body.name, 'robot$alpha+ci');
    assert.equal(created.body.project, 'alpha');
    assert.equal(created.body.expiresAt, '2099-01-01T00:00:00.000Z');
    assert.match(created.body.secret, /^[A-Za-z0-9_-]{43}$/);
    assertNoSecrets(created);
    const secret: string = created.body.secret;

    const listed = await ownerA('GET', '/projects/alpha/robots');
    expectStatus(listed, 200);
    assert.deepEqual(listed.body.items.map((r: { name: string }) => r.name), ['robot$alpha+ci']);
    assert.equal('secret' in listed.body.items[0], false);
    assert.equal(listed.text.includes(secret), false);
    assertNoSecrets(listed);

    const robot = callerFor(f.berth, basic('robot$alpha+ci', secret));
    const me = await robot('GET', '/me');
    expectStatus(me, 200);
    assert.deepEqual(me.body, { kind: 'robot', name: 'robot$alpha+ci', isAdmin: false, method: 'basic', project: 'alpha', permissions: [{ pattern: 'alpha/**', actions: ['pull', 'push'] }], expiresAt: '2099-01-01T00:00:00.000Z' });
    // Robots have no password to change, and no admin rights.
    expectProblem(await robot('PUT', '/me/password', { currentPassword: secret, newPassword: 'whatever-long' }), 403, 'DENIED');
    expectProblem(await robot('GET', '/users'), 403, 'DENIED');

    const regenerated = await ownerA('POST', `/robots/${encodeURIComponent('robot$alpha+ci')}/secret`);
    expectStatus(regenerated, 200);
    assert.notEqual(regenerated.body.secret, secret);
    expectProblem(await robot('GET', '/me'), 401, 'UNAUTHORIZED');
    expectStatus(await callerFor(f.berth, basic('robot$alpha+ci', regenerated.body.secret))('GET', '/me'), 200);
    // Unencoded `$` and `+` in the path work too.
    expectStatus(await ownerA('PATCH', '/robots/robot$alpha+ci', { description: 'changed' }), 200);
  });

  it('PATCH disables, changes permissions and expiry; DELETE removes the robot and its sign-in', async () => {
    const created = await ownerA('POST', '/projects/alpha/robots', robotBody('deploy', 'alpha/web/*', ['pull']));
    expectStatus(created, 201);
    const robot = callerFor(f.berth, basic('robot$alpha+deploy', created.body.secret));
    expectStatus(await robot('GET', '/me'), 200);

    const disabled = await ownerA('PATCH', '/robots/robot$alpha+deploy', { isDisabled: true });
    expectStatus(disabled, 200);
    assert.equal(disabled.body.isDisabled, true);
    expectProblem(await robot('GET', '/me'), 401, 'UNAUTHORIZED');
    expectStatus(await ownerA('PATCH', '/robots/robot$alpha+deploy', { isDisabled: false }), 200);
    expectStatus(await robot('GET', '/me'), 200);

    const changed = await ownerA('PATCH', '/robots/robot$alpha+deploy', { permissions: [{ pattern: 'alpha/**', actions: ['pull', 'delete'] }], expiresAt: null });
    expectStatus(changed, 200);
    assert.deepEqual(changed.body.permissions, [{ pattern: 'alpha/**', actions: ['pull', 'delete'] }]);
    assert.deepEqual((await robot('GET', '/me')).body.permissions, [{ pattern: 'alpha/**', actions: ['pull', 'delete'] }]);

    expectStatus(await ownerA('DELETE', '/robots/robot$alpha+deploy'), 204);
    expectProblem(await robot('GET', '/me'), 401, 'UNAUTHORIZED');
    expectProblem(await ownerA('DELETE', '/robots/robot$alpha+deploy'), 404, 'RESOURCE_UNKNOWN');
  });

  it('validates robot bodies and refuses duplicates', async () => {
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('x', 'beta/**')), 'body.permissions.0.pattern');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('x', '**')), 'body.permissions.0.pattern');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('x', 'alpha/a**')), 'body.permissions.0.pattern');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('x', 'alpha/**', ['catalog'])), 'body.permissions.0.actions');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('x', 'alpha/**', ['fly'])), 'body.permissions.0.actions.0');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('x', 'alpha/**', [])), 'body.permissions.0.actions');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', { name: 'x', permissions: [] }), 'body.permissions');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', robotBody('Bad$', 'alpha/**')), 'body.name');
    expectBadField(await ownerA('POST', '/projects/alpha/robots', { ...robotBody('x', 'alpha/**'), expiresAt: 'tomorrow' }), 'body.expiresAt');
    expectStatus(await ownerA('POST', '/projects/alpha/robots', robotBody('dupe', 'alpha/**')), 201);
    expectProblem(await ownerA('POST', '/projects/alpha/robots', robotBody('dupe', 'alpha/**')), 409, 'CONFLICT');
    expectBadField(await ownerA('PATCH', '/robots/robot$alpha+dupe', { isDisabled: 'yes' }), 'body.isDisabled');
  });

  it('isolates projects: the owner of alpha cannot see or touch beta\'s robots; developers may not manage robots', async () => {
    const betaRobot = await ownerB('POST', '/projects/beta/robots', robotBody('bot', 'beta/**'));
    expectStatus(betaRobot, 201);
    expectProblem(await ownerA('GET', '/projects/beta/robots'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('POST', '/projects/beta/robots', robotBody('evil', 'beta/**')), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('PATCH', '/robots/robot$beta+bot', { isDisabled: true }), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('DELETE', '/robots/robot$beta+bot'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('POST', '/robots/robot$beta+bot/secret'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('GET', '/robots/robot$beta+bot/ip-rules'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await devA('GET', '/projects/alpha/robots'), 403, 'DENIED');
    expectProblem(await devA('POST', '/projects/alpha/robots', robotBody('devbot', 'alpha/**')), 403, 'DENIED');
    expectProblem(await devA('PATCH', '/robots/robot$alpha+dupe', { isDisabled: true }), 403, 'DENIED');
    expectProblem(await f.anonymous('GET', '/projects/alpha/robots'), 401, 'UNAUTHORIZED');
    // The beta robot still works: nothing above changed it.
    expectStatus(await callerFor(f.berth, basic('robot$beta+bot', betaRobot.body.secret))('GET', '/me'), 200);
  });

  it('system robots are for admins; others cannot learn they exist', async () => {
    const created = await f.admin('POST', '/robots', robotBody('mirror', '**', ['pull', 'catalog']));
    expectStatus(created, 201);
    assert.equal(created.body.name, 'robot$mirror');
    assert.equal(created.body.project, null);
    assert.deepEqual((await f.admin('GET', '/robots')).body.items.map((r: { name: string }) => r.name), ['robot$mirror']);
    expectStatus(await callerFor(f.berth, basic('robot$mirror', created.body.secret))('GET', '/me'), 200);
    expectProblem(await ownerA('GET', '/robots'), 403, 'DENIED');
    expectProblem(await ownerA('POST', '/robots', robotBody('m2', '**')), 403, 'DENIED');
    expectProblem(await ownerA('PATCH', '/robots/robot$mirror', { isDisabled: true }), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('PATCH', '/robots/robot$nosuch', { isDisabled: true }), 404, 'RESOURCE_UNKNOWN');
    const regenerated = await f.admin('POST', '/robots/robot$mirror/secret');
    expectStatus(regenerated, 200);
    expectStatus(await f.admin('DELETE', '/robots/robot$mirror'), 204);
  });
});

describe('REST API: IP rules', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let ownerA: Caller;
  let devA: Caller;
  before(async () => {
    f = await startApiFixture();
    ({ ownerA, devA } = await twoProjects(f));
  });
  after(() => f?.stop());

  it('system rules: admins add, list and remove; CIDRs are validated', async () => {
    const added = await f.admin('POST', '/ip-rules', { effect: 'deny', cidr: '192.0.2.0/24' });
    expectStatus(added, 201);
    assert.equal(added.body.cidr, '192.0.2.0/24');
    // System rules bind the API too: an allow list must admit loopback, or the admin locks the tests out.
    expectStatus(await f.admin('POST', '/ip-rules', { effect: 'allow', cidr: '127.0.0.0/8' }), 201);
    expectStatus(await f.admin('POST', '/ip-rules', { effect: 'allow', cidr: '2001:db8::/32' }), 201);
    const listed = await f.admin('GET', '/ip-rules');
    assert.deepEqual(listed.body.items.map((r: { effect: string; cidr: string }) => `${r.effect} ${r.cidr}`), ['deny 192.0.2.0/24', 'allow 127.0.0.0/8', 'allow 2001:db8::/32']);
    expectBadField(await f.admin('POST', '/ip-rules', { effect: 'deny', cidr: '10.0.0.1/8' }), 'body.cidr');
    expectBadField(await f.admin('POST', '/ip-rules', { effect: 'deny', cidr: 'not-an-ip' }), 'body.cidr');
    expectBadField(await f.admin('POST', '/ip-rules', { effect: 'maybe', cidr: '10.0.0.0/8' }), 'body.effect');
    // Remove the allow for other addresses before loopback's, which would otherwise lock the tests out.
    for (const rule of [...listed.body.items].reverse()) expectStatus(await f.admin('DELETE', `/ip-rules/${rule.id}`), 204);
    expectProblem(await f.admin('DELETE', `/ip-rules/${added.body.id}`), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await ownerA('GET', '/ip-rules'), 403, 'DENIED');
    expectProblem(await ownerA('POST', '/ip-rules', { effect: 'deny', cidr: '10.0.0.0/8' }), 403, 'DENIED');
    expectProblem(await f.anonymous('GET', '/ip-rules'), 401, 'UNAUTHORIZED');
  });

  it('project rules need manage-settings and stay inside their project', async () => {
    const added = await ownerA('POST', '/projects/alpha/ip-rules', { effect: 'deny', cidr: '198.51.100.0/24' });
    expectStatus(added, 201);
    assert.deepEqual((await ownerA('GET', '/projects/alpha/ip-rules')).body.items.map((r: { cidr: string }) => r.cidr), ['198.51.100.0/24']);
    expectProblem(await devA('GET', '/projects/alpha/ip-rules'), 403, 'DENIED');
    expectProblem(await devA('POST', '/projects/alpha/ip-rules', { effect: 'deny', cidr: '10.0.0.0/8' }), 403, 'DENIED');
    expectProblem(await ownerA('GET', '/projects/beta/ip-rules'), 404, 'RESOURCE_UNKNOWN');
    // A rule id of another list is not found through this one.
    const betaRule = await f.admin('POST', '/projects/beta/ip-rules', { effect: 'deny', cidr: '203.0.113.0/24' });
    expectStatus(betaRule, 201);
    expectProblem(await ownerA('DELETE', `/projects/alpha/ip-rules/${betaRule.body.id}`), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.admin('DELETE', `/ip-rules/${betaRule.body.id}`), 404, 'RESOURCE_UNKNOWN');
    expectStatus(await ownerA('DELETE', `/projects/alpha/ip-rules/${added.body.id}`), 204);
    assert.deepEqual((await ownerA('GET', '/projects/alpha/ip-rules')).body.items, []);
  });

  it('robot rules need manage-robots on the robot\'s project', async () => {
    const robot = await ownerA('POST', '/projects/alpha/robots', robotBody('ci', 'alpha/**'));
    expectStatus(robot, 201);
    const added = await ownerA('POST', '/robots/robot$alpha+ci/ip-rules', { effect: 'deny', cidr: '127.0.0.0/8' });
    expectStatus(added, 201);
    assert.deepEqual((await ownerA('GET', '/robots/robot$alpha+ci/ip-rules')).body.items.map((r: { cidr: string }) => r.cidr), ['127.0.0.0/8']);
    expectProblem(await devA('GET', '/robots/robot$alpha+ci/ip-rules'), 403, 'DENIED');
    expectProblem(await devA('DELETE', `/robots/robot$alpha+ci/ip-rules/${added.body.id}`), 403, 'DENIED');
    expectStatus(await ownerA('DELETE', `/robots/robot$alpha+ci/ip-rules/${added.body.id}`), 204);
    expectProblem(await ownerA('GET', '/robots/robot$alpha+nosuch/ip-rules'), 404, 'RESOURCE_UNKNOWN');
  });
});
