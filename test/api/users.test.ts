import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { assertNoSecrets, basic, callerFor, expectBadField, expectProblem, expectStatus, passwordOf, startApiFixture, type ApiFixture } from './api-client.ts';

describe('REST API: users and /me', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(() => f?.stop());

  it('an admin creates, reads, lists, updates and deletes users; no hash is ever returned', async () => {
    const created = await f.admin('POST', '/users', { username: 'carol', password: 'carol-secret-1', isAdmin: false });
    expectStatus(created, 201);
    assert.deepEqual(Object.keys(created.body).sort(), ['createdAt', 'isAdmin', 'isDisabled', 'updatedAt', 'username']);
    assert.equal(created.body.username, 'carol');
    assertNoSecrets(created);

    const got = await f.admin('GET', '/users/carol');
    expectStatus(got, 200);
    assert.equal(got.body.isAdmin, false);
    assertNoSecrets(got);

    const list = await f.admin('GET', '/users');
    expectStatus(list, 200);
    assert.deepEqual(list.body.items.map((u: { username: string }) => u.username), ['admin', 'carol']);
    assert.equal(list.body.next, null);
    assertNoSecrets(list);

    const patched = await f.admin('PATCH', '/users/carol', { isAdmin: true });
    expectStatus(patched, 200);
    assert.equal(patched.body.isAdmin, true);
    assertNoSecrets(patched);

    expectStatus(await f.admin('DELETE', '/users/carol'), 204);
    expectProblem(await f.admin('GET', '/users/carol'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.admin('DELETE', '/users/carol'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.admin('PATCH', '/users/carol', { isAdmin: false }), 404, 'RESOURCE_UNKNOWN');
  });

  it('pages users with limit and cursor', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await f.user(name);
    const first = await f.admin('GET', '/users?limit=2');
    expectStatus(first, 200);
    assert.deepEqual(first.body.items.map((u: { username: string }) => u.username), ['admin', 'page-a']);
    assert.equal(first.body.next, 'page-a');
    const second = await f.admin('GET', `/users?limit=2&cursor=${encodeURIComponent(first.body.next)}`);
    assert.deepEqual(second.body.items.map((u: { username: string }) => u.username), ['page-b', 'page-c']);
    assert.equal(second.body.next, null);
    expectBadField(await f.admin('GET', '/users?limit=0'), 'query.limit');
    expectBadField(await f.admin('GET', '/users?limit=many'), 'query.limit');
  });

  it('refuses invalid input naming the failing field', async () => {
    expectBadField(await f.admin('POST', '/users', { username: 'Bad Name', password: 'long-enough-1' }), 'body.username');
    expectBadField(await f.admin('POST', '/users', { username: 'robot$x', password: 'long-enough-1' }), 'body.username');
    expectBadField(await f.admin('POST', '/users', { username: 'shorty', password: 'short' }), 'body.password');
    expectBadField(await f.admin('POST', '/users', { password: 'long-enough-1' }), 'body.username');
    expectBadField(await f.admin('POST', '/users', { username: 'typed', password: 'long-enough-1', isAdmin: 'yes' }), 'body.isAdmin');
    expectBadField(await f.admin('PATCH', '/users/admin', { password: 'x' }), 'body.password');
  });

  it('answers 409 for a username that exists, and for an admin removing their own rights', async () => {
    await f.user('dup');
    expectProblem(await f.admin('POST', '/users', { username: 'dup', password: 'another-password' }), 409, 'CONFLICT');
    expectProblem(await f.admin('PATCH', '/users/admin', { isAdmin: false }), 409, 'CONFLICT');
    expectProblem(await f.admin('PATCH', '/users/admin', { isDisabled: true }), 409, 'CONFLICT');
    expectProblem(await f.admin('DELETE', '/users/admin'), 409, 'CONFLICT');
  });

  it('refuses anonymous callers with 401 and non-admins with 403', async () => {
    const mallory = await f.user('mallory');
    for (const [method, path, body] of [
      ['GET', '/users'],
      ['POST', '/users', { username: 'eve', password: 'eve-password' }],
      ['GET', '/users/admin'],
      ['PATCH', '/users/admin', { isDisabled: true }],
      ['DELETE', '/users/admin'],
    ] as const) {
      expectProblem(await f.anonymous(method, path, body), 401, 'UNAUTHORIZED');
      expectProblem(await mallory(method, path, body), 403, 'DENIED');
    }
    expectProblem(await callerFor(f.berth, basic('admin', 'wrong-password'))('GET', '/users'), 401, 'UNAUTHORIZED');
    // The anonymous caller's bad body is not even looked at: authentication comes first.
    expectProblem(await f.anonymous('POST', '/users', { username: 'Bad Name' }), 401, 'UNAUTHORIZED');
  });

  it('a password change or disabling takes effect at once, despite the credential cache', async () => {
    const dave = await f.user('dave');
    expectStatus(await dave('GET', '/me'), 200);
    expectStatus(await f.admin('PATCH', '/users/dave', { password: 'dave-new-password' }), 200);
    expectProblem(await dave('GET', '/me'), 401, 'UNAUTHORIZED');
    const daveNew = callerFor(f.berth, basic('dave', 'dave-new-password'));
    expectStatus(await daveNew('GET', '/me'), 200);

    expectStatus(await f.admin('PATCH', '/users/dave', { isDisabled: true }), 200);
    expectProblem(await daveNew('GET', '/me'), 401, 'UNAUTHORIZED');
    expectStatus(await f.admin('PATCH', '/users/dave', { isDisabled: false }), 200);
    expectStatus(await daveNew('GET', '/me'), 200);

    expectStatus(await f.admin('DELETE', '/users/dave'), 204);
    expectProblem(await daveNew('GET', '/me'), 401, 'UNAUTHORIZED');
  });

  it('GET /me describes the caller; anonymous callers get 401', async () => {
    const me = await f.admin('GET', '/me');
    expectStatus(me, 200);
    assert.deepEqual(me.body, { kind: 'user', name: 'admin', isAdmin: true, method: 'basic' });
    expectProblem(await f.anonymous('GET', '/me'), 401, 'UNAUTHORIZED');
  });

  it('PUT /me/password needs the current password and rejects a weak new one', async () => {
    const erin = await f.user('erin');
    expectProblem(await erin('PUT', '/me/password', { currentPassword: 'not-it', newPassword: 'erin-next-password' }), 403, 'DENIED');
    expectBadField(await erin('PUT', '/me/password', { currentPassword: passwordOf('erin'), newPassword: 'short' }), 'body.newPassword');
    expectBadField(await erin('PUT', '/me/password', { newPassword: 'erin-next-password' }), 'body.currentPassword');
    expectProblem(await f.anonymous('PUT', '/me/password', { currentPassword: 'a', newPassword: 'erin-next-password' }), 401, 'UNAUTHORIZED');

    const changed = await erin('PUT', '/me/password', { currentPassword: passwordOf('erin'), newPassword: 'erin-next-password' });
    expectStatus(changed, 204);
    assert.equal(changed.text, '');
    expectProblem(await erin('GET', '/me'), 401, 'UNAUTHORIZED');
    expectStatus(await callerFor(f.berth, basic('erin', 'erin-next-password'))('GET', '/me'), 200);
    // The admin's own password is untouched by all of this.
    expectStatus(await callerFor(f.berth, basic('admin', TEST_ADMIN_PASSWORD))('GET', '/me'), 200);
  });
});
