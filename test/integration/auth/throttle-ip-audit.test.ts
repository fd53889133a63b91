import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config/config.load.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../../helpers/berth-server.ts';
import { basic, createProject, createUser, pushImageAs } from './auth-kit.ts';

/** GET over node:http from a chosen local address (127.0.0.2 reaches a server on 0.0.0.0 via loopback). */
function getFrom(url: string, localAddress: string, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers: { authorization } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('login throttle, IP rules and the audit trail', () => {
  let berth: TestBerth;
  const admin = basic('admin', TEST_ADMIN_PASSWORD);

  before(async () => {
    berth = await startTestBerth({ listen: '0.0.0.0:0' });
  });
  after(() => berth.stop());

  it('locks an account after repeated wrong passwords, answering 429 with Retry-After even for the right one', async () => {
    await createUser(berth, 'victim', 'right-password-1');
    const v2 = (authorization: string) => fetch(`${berth.url}/v2/`, { headers: { authorization } });
    for (let i = 0; i < 5; i++) assert.equal((await v2(basic('victim', `guess-${i}`))).status, 401, `guess ${i}`);
    const locked = await v2(basic('victim', 'right-password-1'));
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0, `Retry-After: ${locked.headers.get('retry-after')}`);
    assert.equal((await locked.json()).errors[0].code, 'TOOMANYREQUESTS');
    assert.equal((await v2(admin)).status, 200, 'other accounts are not locked');
  });

  it('denies an address named by a system IP rule and lets the others through', async () => {
    const port = new URL(berth.url).port;
    const url = `http://127.0.0.1:${port}/v2/`;
    assert.equal((await getFrom(url, '127.0.0.2', admin)).status, 200, 'no rule yet');
    await berth.meta.ipRules.add({ scope: 'system', scopeId: '', effect: 'deny', cidr: '127.0.0.2/32' });
    berth.auth.access.invalidate();
    const denied = await getFrom(url, '127.0.0.2', admin);
    assert.equal(denied.status, 403);
    assert.equal((JSON.parse(denied.body) as { errors: { code: string }[] }).errors[0]!.code, 'DENIED');
    assert.equal((await getFrom(url, '127.0.0.1', admin)).status, 200);
    const token = await getFrom(`http://127.0.0.1:${port}/auth/token?service=berth`, '127.0.0.2', admin);
    assert.equal(token.status, 403, 'no tokens for a denied address either');
  });

  it('writes push, pull, tag move, delete, token and login events with actor, address and digests', async () => {
    await createProject(berth, 'audited', false);
    const first = await pushImageAs(berth.url, 'audited/app', 'latest', admin, 'first layer');
    const second = await pushImageAs(berth.url, 'audited/app', 'latest', admin, 'second layer');
    const pull = await fetch(`${berth.url}/v2/audited/app/manifests/latest`, { headers: { authorization: admin, accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(pull.status, 200);
    assert.equal((await fetch(`${berth.url}/v2/audited/app/manifests/${first}`, { method: 'DELETE', headers: { authorization: admin } })).status, 202);
    assert.equal((await fetch(`${berth.url}/auth/token?service=berth&scope=repository:audited/app:pull`, { headers: { authorization: admin } })).status, 200);
    await berth.auth.audit.flush();
    const events = (await berth.meta.audit.query({ project: 'audited' }, { limit: 100, ascending: true }));
    const summary = events.map((e) => [e.action, e.actorName, e.reference, e.digest, e.result]);
    assert.deepEqual(summary, [
      ['registry.push', 'admin', 'latest', first, 'success'],
      ['registry.push', 'admin', 'latest', second, 'success'],
      ['tag.move', 'admin', 'latest', second, 'success'],
      ['registry.pull', 'admin', 'latest', second, 'success'],
      ['registry.delete', 'admin', first, first, 'success'],
    ]);
    const move = events.find((e) => e.action === 'tag.move')!;
    assert.deepEqual({ from: move.detail?.from, to: move.detail?.to }, { from: first, to: second });
    assert.ok(events.every((e) => e.repository === 'audited/app' && e.sourceIp === '127.0.0.1'), JSON.stringify(events.map((e) => e.sourceIp)));
    const tokens = await berth.meta.audit.query({ action: 'auth.token', actorName: 'admin' }, { limit: 10 });
    assert.deepEqual(tokens[0]?.detail?.granted, ['repository:audited/app:pull']);
    const logins = await berth.meta.audit.query({ action: 'auth.login', actorName: 'victim' }, { limit: 20 });
    assert.ok(logins.some((e) => e.result === 'failure' && e.detail?.reason === 'wrong-password'));
    assert.ok(logins.some((e) => e.result === 'failure' && e.detail?.reason === 'throttled'));
  });
});

describe('auth configuration', () => {
  it('refuses auth.enabled: false unless Berth listens on loopback', () => {
    assert.throws(() => loadConfig({ env: {}, overrides: { listen: '0.0.0.0:5000', auth: { enabled: false } } }), (err: unknown) => err instanceof ConfigError && /loopback/.test(err.message));
    for (const listen of ['127.0.0.1:5000', '[::1]:5000', 'localhost:5000']) {
      assert.equal(loadConfig({ env: {}, overrides: { listen, auth: { enabled: false } } }).auth.enabled, false, listen);
    }
    const defaults = loadConfig({ env: {} }).auth;
    assert.deepEqual({ ...defaults }, { enabled: true, service: 'berth', issuer: 'berth', tokenTtl: 300_000, selfServiceProjects: false, trustedProxies: [], basicCacheTtl: 60_000 });
  });
});
