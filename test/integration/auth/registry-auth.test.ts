import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../../helpers/berth-server.ts';
import { accessOf, basic, createProject, createRobot, createUser, getToken, grant, pushImageAs } from './auth-kit.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('registry authentication and access control over HTTP', () => {
  let berth: TestBerth;
  let admin: string;
  let dev: string;
  let outsider: string;
  let pubDigest: string;
  let privDigest: string;

  const get = (path: string, authorization?: string, init: RequestInit = {}) =>
    fetch(`${berth.url}${path}`, { ...init, headers: { accept: OCI_MANIFEST, ...(authorization ? { authorization } : {}), ...(init.headers as Record<string, string> | undefined) } });
  const realm = () => `Bearer realm="${berth.url}/auth/token",service="berth"`;

  before(async () => {
    berth = await startTestBerth();
    admin = basic('admin', TEST_ADMIN_PASSWORD);
    const devUser = await createUser(berth, 'dev', 'dev-password-1');
    await createUser(berth, 'outsider', 'outsider-password-1');
    dev = basic('dev', 'dev-password-1');
    outsider = basic('outsider', 'outsider-password-1');
    await createProject(berth, 'pub', true);
    await createProject(berth, 'priv', false);
    await grant(berth, 'priv', devUser, 'developer');
    pubDigest = await pushImageAs(berth.url, 'pub/app', 'v1', admin);
    privDigest = await pushImageAs(berth.url, 'priv/app', 'v1', admin);
  });
  after(() => berth.stop());

  it('challenges an anonymous /v2/ with the token realm and service, and lets signed-in callers in', async () => {
    const anon = await get('/v2/');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), realm());
    assert.equal((await anon.json()).errors[0].code, 'UNAUTHORIZED');
    assert.equal((await get('/v2/', admin)).status, 200);
    assert.equal((await get('/v2/', dev)).status, 200);
    const wrong = await get('/v2/', basic('dev', 'not-it'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), realm());
  });

  it('lets anyone pull from a public project, without credentials or with an anonymous token', async () => {
    const direct = await get('/v2/pub/app/manifests/v1');
    assert.equal(direct.status, 200);
    assert.equal(direct.headers.get('docker-content-digest'), pubDigest);
    const token = await getToken(berth, ['repository:pub/app:pull,push']);
    assert.deepEqual(accessOf(token.token), [{ type: 'repository', name: 'pub/app', actions: ['pull'] }]);
    assert.equal(token.token, token.access_token);
    assert.equal(token.expires_in, 300);
    const pulled = await get('/v2/pub/app/manifests/v1', `Bearer ${token.token}`);
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), pubDigest);
    // The anonymous token carries no push: a push asks for a token with more scope.
    const push = await fetch(`${berth.url}/v2/pub/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${token.token}` } });
    assert.equal(push.status, 401);
    assert.equal(push.headers.get('www-authenticate'), `${realm()},scope="repository:pub/app:pull,push",error="insufficient_scope"`);
  });

  it('keeps a private project invisible to signed-in outsiders: reads look missing, writes are denied', async () => {
    for (const [path, code] of [
      ['/v2/priv/app/manifests/v1', 'MANIFEST_UNKNOWN'],
      [`/v2/priv/app/blobs/${privDigest}`, 'BLOB_UNKNOWN'],
      ['/v2/priv/app/tags/list', 'NAME_UNKNOWN'],
    ] as const) {
      const hidden = await get(path, outsider);
      const missing = await get(path.replace('priv/app', 'priv/nothing-here'), admin);
      assert.equal(hidden.status, 404, path);
      assert.equal(missing.status, 404, path);
      const hiddenBody = await hidden.json();
      assert.equal(hiddenBody.errors[0].code, code);
      const missingBody = await missing.json();
      if (code === 'NAME_UNKNOWN') missingBody.errors[0].detail.name = 'priv/app';
      assert.deepEqual(hiddenBody, missingBody, path);
    }
    const push = await fetch(`${berth.url}/v2/priv/app/blobs/uploads/`, { method: 'POST', headers: { authorization: outsider } });
    assert.equal(push.status, 403);
    assert.equal((await push.json()).errors[0].code, 'DENIED');
    const anon = await get('/v2/priv/app/manifests/v1');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), `${realm()},scope="repository:priv/app:pull"`);
    // The token endpoint grants the outsider nothing there.
    assert.deepEqual(accessOf((await getToken(berth, ['repository:priv/app:pull'], outsider)).token), []);
  });

  it('grants a developer pull and push by token (the intersection of asked and allowed) and push works with it', async () => {
    const token = await getToken(berth, ['repository:priv/app:pull,push,delete', 'registry:catalog:*'], dev);
    assert.deepEqual(accessOf(token.token), [{ type: 'repository', name: 'priv/app', actions: ['pull', 'push'] }]);
    const digest = await pushImageAs(berth.url, 'priv/app', 'v2', `Bearer ${token.token}`);
    const pulled = await get('/v2/priv/app/manifests/v2', dev);
    assert.equal(pulled.headers.get('docker-content-digest'), digest);
    const del = await fetch(`${berth.url}/v2/priv/app/manifests/${digest}`, { method: 'DELETE', headers: { authorization: `Bearer ${token.token}` } });
    assert.equal(del.status, 403, 'a developer may not delete, token or not');
    assert.equal((await del.json()).errors[0].code, 'DENIED');
    // A token narrower than its holder's rights: the client is told to fetch one with the scope.
    const pullOnly = await getToken(berth, ['repository:priv/app:pull'], dev);
    const push = await fetch(`${berth.url}/v2/priv/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${pullOnly.token}` } });
    assert.equal(push.status, 401);
    assert.equal(push.headers.get('www-authenticate'), `${realm()},scope="repository:priv/app:pull,push",error="insufficient_scope"`);
  });

  it('refuses a push into a missing project, naming it; an admin push creates it private', async () => {
    const refused = await fetch(`${berth.url}/v2/newproj/app/blobs/uploads/`, { method: 'POST', headers: { authorization: dev } });
    assert.equal(refused.status, 403);
    const body = await refused.json();
    assert.equal(body.errors[0].code, 'DENIED');
    assert.match(body.errors[0].message, /project "newproj" does not exist/);
    await pushImageAs(berth.url, 'adminproj/app', 'v1', admin);
    assert.deepEqual(await berth.meta.projects.find('adminproj').then((p) => p && { isPublic: p.isPublic }), { isPublic: false });
    assert.equal((await get('/v2/adminproj/app/manifests/v1', dev)).status, 404);
  });

  it('lists the catalog for admins only', async () => {
    const listed = await get('/v2/_catalog', admin);
    assert.equal(listed.status, 200);
    assert.deepEqual(((await listed.json()) as { repositories: string[] }).repositories.filter((r) => r.startsWith('p')), ['priv/app', 'pub/app']);
    const denied = await get('/v2/_catalog', dev);
    assert.equal(denied.status, 403);
    const anon = await get('/v2/_catalog');
    assert.equal(anon.headers.get('www-authenticate'), `${realm()},scope="registry:catalog:*"`);
  });

  it('issues tokens through the OAuth2 form, with a refresh token that only works at the token endpoint', async () => {
    const form = new URLSearchParams({ grant_type: 'password', username: 'dev', password: 'dev-password-1', service: 'berth', client_id: 'test', access_type: 'offline', scope: 'repository:priv/app:pull' });
    const res = await fetch(`${berth.url}/auth/token`, { method: 'POST', body: form });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { access_token: string; refresh_token: string; scope: string };
    assert.equal(body.scope, 'repository:priv/app:pull');
    assert.equal((await get('/v2/priv/app/manifests/v1', `Bearer ${body.access_token}`)).status, 200);
    assert.equal((await get('/v2/', `Bearer ${body.refresh_token}`)).status, 401, 'a refresh token is no registry token');
    const refreshed = await fetch(`${berth.url}/auth/token`, {
      method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: body.refresh_token, service: 'berth', client_id: 'test', scope: 'repository:priv/app:pull,push' }),
    });
    assert.equal(refreshed.status, 200);
    const again = (await refreshed.json()) as { access_token: string; scope: string };
    assert.equal(again.scope, 'repository:priv/app:pull,push');
    const badRefresh = await fetch(`${berth.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: again.access_token }) });
    assert.equal(badRefresh.status, 401, 'an access token is no refresh token');
    const wrongPassword = await fetch(`${berth.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: 'dev', password: 'nope' }) });
    assert.equal(wrongPassword.status, 401);
    const otherService = await fetch(`${berth.url}/auth/token?service=elsewhere&scope=repository:pub/app:pull`);
    assert.equal(otherService.status, 400);
  });

  it('lets a project robot push and pull inside its permissions only, and refuses it once expired', async () => {
    const robot = await createRobot(berth, { name: 'ci', project: 'priv', permissions: [{ pattern: 'priv/app', actions: ['pull', 'push'] }] });
    const auth = basic(robot.name, robot.secret);
    const digest = await pushImageAs(berth.url, 'priv/app', 'robot', auth);
    assert.equal((await get('/v2/priv/app/manifests/robot', auth)).headers.get('docker-content-digest'), digest);
    assert.equal((await get('/v2/priv/other/tags/list', auth)).status, 404);
    assert.equal((await get('/v2/', basic(robot.name, 'wrong-secret'))).status, 401);
    const expired = await createRobot(berth, { name: 'old', project: 'priv', permissions: [{ pattern: 'priv/**', actions: ['pull'] }], expiresAt: Date.now() - 1000 });
    assert.equal((await get('/v2/', basic(expired.name, expired.secret))).status, 401);
  });
});
