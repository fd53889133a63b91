import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { SIGNING_KEY_SETTING } from '../../../src/auth/auth-services.ts';
import { TokenService, type StoredSigningKey } from '../../../src/auth/token.service.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../../helpers/berth-server.ts';
import { basic, createProject, getToken, pushImageAs } from './auth-kit.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('forged and foreign registry tokens are refused over HTTP', () => {
  let berth: TestBerth;
  let other: TestBerth;
  let key: StoredSigningKey;
  const access = [{ type: 'repository', name: 'priv/app', actions: ['pull', 'push'] }];
  const manifest = (token: string) => fetch(`${berth.url}/v2/priv/app/manifests/v1`, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' } });

  async function expectRefused(token: string, what: string): Promise<void> {
    const res = await manifest(token);
    assert.equal(res.status, 401, what);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=".*\/auth\/token",service="berth",error="invalid_token"$/, what);
    assert.equal((await res.json()).errors[0].code, 'UNAUTHORIZED', what);
  }

  before(async () => {
    [berth, other] = await Promise.all([startTestBerth(), startTestBerth()]);
    await createProject(berth, 'priv', false);
    await pushImageAs(berth.url, 'priv/app', 'v1', basic('admin', TEST_ADMIN_PASSWORD));
    key = (await berth.meta.settings.get<StoredSigningKey>(SIGNING_KEY_SETTING))!;
  });
  after(() => Promise.all([berth.stop(), other.stop()]));

  it('accepts a genuine admin token (the baseline the forgeries are compared with)', async () => {
    const token = await getToken(berth, ['repository:priv/app:pull'], basic('admin', TEST_ADMIN_PASSWORD));
    assert.equal((await manifest(token.token)).status, 200);
  });

  it('refuses an expired token signed with the right key', async () => {
    const past = await TokenService.create({ key, issuer: 'berth', audience: 'berth', now: () => Date.now() - 3 * 3600_000 });
    const issued = await past.issue({ subject: 'admin', access: access as never, audience: 'berth', ttlSec: 300 });
    await expectRefused(issued.token, 'expired');
  });

  it('refuses a token for another audience or issuer, even with the right key', async () => {
    const foreignAudience = await TokenService.create({ key, issuer: 'berth', audience: 'other-service' });
    await expectRefused((await foreignAudience.issue({ subject: 'admin', access: access as never, audience: 'other-service', ttlSec: 300 })).token, 'audience');
    const foreignIssuer = await TokenService.create({ key, issuer: 'someone-else', audience: 'berth' });
    await expectRefused((await foreignIssuer.issue({ subject: 'admin', access: access as never, audience: 'berth', ttlSec: 300 })).token, 'issuer');
  });

  it('refuses a genuine token whose payload was altered to widen its scope', async () => {
    const genuine = (await getToken(berth, ['repository:pub/app:pull'])).token;
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const widened = `${header}.${b64({ ...claims, sub: 'admin', access })}.${signature}`;
    await expectRefused(widened, 'altered scope');
  });

  it('refuses alg none and an HS256 token keyed with the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'berth', sub: 'admin', aud: 'berth', exp: now + 300, nbf: now, iat: now, jti: 'forged', access };
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 'alg none');
    const publicPem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [publicPem, JSON.stringify(key.publicJwk)]) {
      const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid }).sign(new TextEncoder().encode(secret));
      await expectRefused(hs, 'HS256 with the public key');
    }
  });

  it('refuses a token another Berth instance issued', async () => {
    const foreign = await getToken(other, ['repository:priv/app:pull'], basic('admin', TEST_ADMIN_PASSWORD));
    assert.equal((await fetch(`${other.url}/v2/`, { headers: { authorization: `Bearer ${foreign.token}` } })).status, 200, 'valid where it was issued');
    await expectRefused(foreign.token, 'another instance');
  });
});
