/**
 * The remaining wiring of issue #3 seen from outside: threshold alerts raised by real traffic and listed by the
 * API, IP rules on /api/v1 like on /v2, and the password-change endpoint under the login throttle.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../../helpers/berth-server.ts';
import { basic } from './auth-kit.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One request over node:http from a chosen local address (127.0.0.2 is a loopback alias on Linux). */
function send(url: string, opts: { method?: string; localAddress?: string; authorization?: string; json?: unknown } = {}): Promise<Answer> {
  const payload = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method ?? 'GET',
      localAddress: opts.localAddress ?? '127.0.0.1',
      headers: {
        ...(opts.authorization ? { authorization: opts.authorization } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text !== '' && /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject).end(payload);
  });
}

type Alert = { id: string; rule: string; principal: string; detail: Record<string, unknown>; acknowledgedBy: string | null };

describe('alerts, IP rules on the REST API, and the password change under the login throttle', { timeout: 180_000 }, () => {
  let berth: TestBerth;
  const admin = basic('admin', TEST_ADMIN_PASSWORD);
  const api = (path: string, opts: Parameters<typeof send>[1] = {}) => send(`${berth.url}/api/v1${path}`, { authorization: admin, ...opts });
  const ok = async (path: string, opts: Parameters<typeof send>[1] = {}, status = 200): Promise<Answer> => {
    const res = await api(path, opts);
    assert.equal(res.status, status, `${opts.method ?? 'GET'} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`);
    return res;
  };

  /** Waits (generously) until the alert shows up in GET /api/v1/alerts. */
  async function alertFor(rule: string, principal: string): Promise<Alert> {
    await berth.auth.audit.flush();
    for (let i = 0; i < 600; i++) {
      const found = ((await ok('/alerts')).body.items as Alert[]).find((a) => a.rule === rule && a.principal === principal);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`no ${rule} alert for ${principal}`);
  }

  before(async () => {
    berth = await startTestBerth({
      // Every Basic request verifies the password (no cache), so a lock shows on the very next sign-in.
      auth: { adminPassword: TEST_ADMIN_PASSWORD, basicCacheTtl: 0 },
      alerts: {
        rules: [
          { name: 'failed-logins', action: 'auth.login', result: 'failure', threshold: 2, windowMinutes: 5, per: 'actor' },
          { name: 'delete-burst', action: 'registry.delete', threshold: 2, windowMinutes: 5, per: 'actor' },
        ],
      },
    });
    for (const username of ['target', 'changer']) await ok('/users', { method: 'POST', json: { username, password: `${username}-password-1` } }, 201);
    await ok('/projects', { method: 'POST', json: { name: 'fenced', isPublic: false } }, 201);
    await ok('/projects', { method: 'POST', json: { name: 'open', isPublic: true } }, 201);
  });
  after(() => berth?.stop());

  it('a burst of failed logins raises one alert, listed by the API and acknowledged once', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await send(`${berth.url}/v2/`, { authorization: basic('target', `wrong-${i}`) })).status, 401);
    }
    const alert = await alertFor('failed-logins', 'target');
    assert.equal(alert.detail.count, 3);
    assert.equal(alert.detail.threshold, 2);
    assert.equal(alert.acknowledgedBy, null);
    const unacked = (await ok('/alerts?unacknowledged=true')).body.items as Alert[];
    assert.ok(unacked.some((a) => a.id === alert.id));
    await ok(`/alerts/${alert.id}/acknowledge`, { method: 'POST' }, 204);
    assert.equal((await api(`/alerts/${alert.id}/acknowledge`, { method: 'POST' })).status, 409);
    const after = ((await ok('/alerts')).body.items as Alert[]).find((a) => a.id === alert.id);
    assert.equal(after?.acknowledgedBy, 'admin');
    assert.ok(!((await ok('/alerts?unacknowledged=true')).body.items as Alert[]).some((a) => a.id === alert.id));
    assert.equal(((await ok('/alerts')).body.items as Alert[]).filter((a) => a.rule === 'failed-logins' && a.principal === 'target').length, 1, 'one burst, one alert');
  });

  it('a burst of registry deletes over the configured threshold raises an alert for the deleting principal', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await send(`${berth.url}/v2/fenced/app/manifests/gone-${i}`, { method: 'DELETE', authorization: admin });
      assert.equal(res.status, 404, 'nothing to delete, but the attempt is recorded');
    }
    const alert = await alertFor('delete-burst', 'admin');
    assert.equal(alert.detail.action, 'registry.delete');
    assert.equal(alert.detail.count, 3);
  });

  it('IP rules apply to /api/v1: project rules on project routes, robot rules for robots, system rules everywhere', async () => {
    const from2 = (path: string, authorization: string | undefined = admin) => send(`${berth.url}/api/v1${path}`, { localAddress: '127.0.0.2', ...(authorization ? { authorization } : {}) });
    await ok('/users', { method: 'POST', json: { username: 'fence-owner', password: 'fence-owner-password-1' } }, 201);
    await ok('/projects/fenced/members', { method: 'POST', json: { user: 'fence-owner', role: 'owner' } }, 201);
    const owner = basic('fence-owner', 'fence-owner-password-1');
    assert.equal((await from2('/projects/fenced', owner)).status, 200, 'no rule yet');

    const projectRule = (await ok('/projects/fenced/ip-rules', { method: 'POST', json: { effect: 'deny', cidr: '127.0.0.2/32' } }, 201)).body;
    const fenced = await from2('/projects/fenced', owner);
    assert.equal(fenced.status, 403);
    assert.equal(fenced.body.code, 'DENIED');
    assert.match(String(fenced.headers['content-type']), /^application\/problem\+json/);
    assert.equal((await from2('/projects/fenced/members', owner)).status, 403);
    assert.equal((await from2('/projects/open', owner)).status, 200, 'another project is not fenced');
    assert.equal((await from2('/me', owner)).status, 200, 'routes outside the project are not fenced');
    assert.equal((await send(`${berth.url}/api/v1/projects/fenced`, { authorization: owner })).status, 200, 'other addresses pass');
    // Project rules never bind system administrators, so an admin can always repair them from anywhere.
    assert.equal((await from2('/projects/fenced')).status, 200, 'the admin is not fenced by project rules');
    await send(`${berth.url}/api/v1/projects/fenced/ip-rules/${projectRule.id as string}`, { method: 'DELETE', localAddress: '127.0.0.2', authorization: admin });
    assert.equal((await from2('/projects/fenced', owner)).status, 200, 'rule removed (by the admin, from the fenced address)');

    const robot = (await ok('/projects/fenced/robots', { method: 'POST', json: { name: 'ci', permissions: [{ pattern: 'fenced/**', actions: ['pull'] }] } }, 201)).body;
    const robotAuth = basic(robot.name, robot.secret);
    await ok(`/robots/${encodeURIComponent(robot.name)}/ip-rules`, { method: 'POST', json: { effect: 'allow', cidr: '127.0.0.1/32' } }, 201);
    assert.equal((await from2('/me', robotAuth)).status, 403, "outside the robot's allow list");
    assert.equal((await send(`${berth.url}/api/v1/me`, { authorization: robotAuth })).status, 200);
    assert.equal((await from2('/me')).status, 200, 'robot rules bind only the robot');

    const lockout = await from2('/ip-rules', admin).then(() => send(`${berth.url}/api/v1/ip-rules`, { method: 'POST', localAddress: '127.0.0.2', authorization: admin, json: { effect: 'deny', cidr: '127.0.0.0/8' } }));
    assert.equal(lockout.status, 409, 'a system rule that would shut out its author is refused');
    const systemRule = (await ok('/ip-rules', { method: 'POST', json: { effect: 'deny', cidr: '127.0.0.2/32' } }, 201)).body;
    for (const [path, auth] of [['/me', admin], ['/users', admin], ['/projects/open', admin], ['/openapi.json', undefined]] as const) {
      const res = await from2(path, auth);
      assert.equal(res.status, 403, `${path} from a denied address`);
      assert.equal(res.body.code, 'DENIED');
    }
    assert.equal((await send(`${berth.url}/v2/`, { localAddress: '127.0.0.2', authorization: admin })).status, 403, '/v2 agrees');
    assert.equal((await api('/me')).status, 200);
    await ok(`/ip-rules/${systemRule.id}`, { method: 'DELETE' }, 204);
    assert.equal((await from2('/openapi.json', undefined)).status, 200);
  });

  it('a wrong current password on PUT /me/password counts as a failed login and locks the account like one', async () => {
    // Someone holding the user's registry token (not their password) tries to take the account over.
    const token = await send(`${berth.url}/auth/token?service=berth`, { authorization: basic('changer', 'changer-password-1') });
    assert.equal(token.status, 200);
    const bearer = `Bearer ${token.body.token as string}`;
    const change = (currentPassword: string) => api('/me/password', { method: 'PUT', authorization: bearer, json: { currentPassword, newPassword: 'changer-password-2' } });
    for (let i = 0; i < 5; i++) {
      const res = await change(`guess-${i}`);
      assert.equal(res.status, 403, `guess ${i}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'DENIED');
    }
    // The account is now locked: even its right password is refused, on the API and on the registry.
    const locked = await change('changer-password-1');
    assert.equal(locked.status, 429);
    assert.equal(locked.body.code, 'TOO_MANY_REQUESTS');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal((await send(`${berth.url}/v2/`, { authorization: basic('changer', 'changer-password-1') })).status, 429);
    assert.equal((await api('/me')).status, 200, 'other accounts are not locked');

    await berth.auth.audit.flush();
    const logins = await berth.meta.audit.query({ action: 'auth.login', actorName: 'changer' }, { limit: 50, ascending: true });
    assert.equal(logins.filter((e) => e.result === 'failure' && e.detail?.reason === 'wrong-password').length, 5);
    assert.ok(logins.some((e) => e.result === 'failure' && e.detail?.reason === 'throttled'));
    assert.ok(!(await berth.meta.audit.query({ action: 'user.update', actorName: 'changer' }, { limit: 5 })).length, 'the password never changed');
  });

  it('concurrent first sign-ins with the right password share one verification and are not throttled', async () => {
    await ok('/users', { method: 'POST', json: { username: 'parallel', password: 'parallel-password-1' } }, 201);
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(`${berth.url}/v2/`, { authorization: basic('parallel', 'parallel-password-1') })));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
  });

  it('the right current password still changes it', async () => {
    await ok('/users', { method: 'POST', json: { username: 'rotator', password: 'rotator-password-1' } }, 201);
    const res = await api('/me/password', { method: 'PUT', authorization: basic('rotator', 'rotator-password-1'), json: { currentPassword: 'rotator-password-1', newPassword: 'rotator-password-2' } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal((await api('/me', { authorization: basic('rotator', 'rotator-password-1') })).status, 401);
    assert.equal((await api('/me', { authorization: basic('rotator', 'rotator-password-2') })).status, 200);
  });
});
