import assert from 'node:assert/strict';
import { createHmac, createPublicKey } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { importJWK, SignJWT } from 'jose';
import { isBerthError } from '../errors/berth-error.ts';
import type { RepoName } from '../oci/names.ts';
import { accessAllows, type TokenAccess } from './scope.ts';
import { generateSigningKey, TokenError, TokenService, type StoredSigningKey, type TokenRejection } from './token.service.ts';

const ISSUER = 'berth-token-issuer';
const SERVICE = 'registry.test';
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const PULL_API: TokenAccess[] = [{ type: 'repository', name: 'acme/api' as RepoName, actions: ['pull'] }];

class FakeClock {
  constructor(public ms = T0) {}
  readonly now = () => this.ms;
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function rejectsWith(promise: Promise<unknown>, reason: TokenRejection): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof TokenError, `expected TokenError, got ${String(err)}`);
    assert.ok(isBerthError(err, 'UNAUTHORIZED'));
    assert.equal(err.status, 401);
    assert.equal(err.reason, reason);
    return true;
  });
}

describe('TokenService', () => {
  let key: StoredSigningKey;
  let otherKey: StoredSigningKey;

  before(async () => {
    key = await generateSigningKey();
    otherKey = await generateSigningKey();
  });

  async function service(overrides: Partial<Parameters<typeof TokenService.create>[0]> = {}, clock = new FakeClock()) {
    return TokenService.create({ key, issuer: ISSUER, audience: SERVICE, now: clock.now, ...overrides });
  }

  describe('keys', () => {
    it('generates distinct ES256 key pairs as JSON that survives a database round trip', async () => {
      assert.equal(key.algorithm, 'ES256');
      assert.equal(key.publicJwk.kty, 'EC');
      assert.equal(key.publicJwk.crv, 'P-256');
      assert.equal(key.publicJwk.d, undefined, 'the public half must not carry the private scalar');
      assert.equal(typeof key.privateJwk.d, 'string');
      assert.notEqual(key.kid, otherKey.kid);
      const stored = JSON.parse(JSON.stringify(key)) as StoredSigningKey;
      const nodeA = await service({ key: stored });
      const nodeB = await service({ key: JSON.parse(JSON.stringify(key)) as StoredSigningKey });
      const { token } = await nodeA.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      assert.equal((await nodeB.verify(token)).sub, 'alice', 'a second node sharing the stored key accepts the token');
    });

    it('refuses a stored key that is not an ES256 key pair', async () => {
      const swapped = { ...key, privateJwk: key.publicJwk };
      await assert.rejects(TokenService.create({ key: swapped, issuer: ISSUER, audience: SERVICE }), (err) => isBerthError(err, 'INTERNAL'));
      const wrongAlg = { ...key, algorithm: 'RS256' } as unknown as StoredSigningKey;
      await assert.rejects(TokenService.create({ key: wrongAlg, issuer: ISSUER, audience: SERVICE }), (err) => isBerthError(err, 'INTERNAL'));
      const garbage = { ...key, privateJwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' } };
      await assert.rejects(TokenService.create({ key: garbage, issuer: ISSUER, audience: SERVICE }), (err) => isBerthError(err, 'INTERNAL'));
    });
  });

  describe('issue', () => {
    it('signs a token with the Docker claims and ES256 header', async () => {
      const tokens = await service();
      const issued = await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      assert.deepEqual(decodePart(issued.token, 0), { alg: 'ES256', typ: 'JWT', kid: key.kid });
      const payload = decodePart(issued.token, 1);
      assert.equal(payload.iss, ISSUER);
      assert.equal(payload.sub, 'alice');
      assert.equal(payload.aud, SERVICE);
      assert.equal(payload.iat, T0 / 1000);
      assert.equal(payload.nbf, T0 / 1000);
      assert.equal(payload.exp, T0 / 1000 + 300);
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      assert.deepEqual(payload.access, [{ type: 'repository', name: 'acme/api', actions: ['pull'] }]);
      assert.equal(issued.expiresInSec, 300);
      assert.equal(issued.issuedAt, '2030-01-01T12:00:00.000Z');
      assert.deepEqual(issued.claims, payload);
    });

    it('gives every token its own jti', async () => {
      const tokens = await service();
      const a = await tokens.issue({ subject: 'a', access: [], audience: SERVICE, ttlSec: 60 });
      const b = await tokens.issue({ subject: 'a', access: [], audience: SERVICE, ttlSec: 60 });
      assert.notEqual(a.claims.jti, b.claims.jti);
      assert.notEqual(a.token, b.token);
    });

    it('refuses a lifetime outside 1 s .. 1 day', async () => {
      const tokens = await service();
      for (const ttlSec of [0, -5, 1.5, 86_401]) {
        await assert.rejects(tokens.issue({ subject: 'a', access: [], audience: SERVICE, ttlSec }), RangeError);
      }
    });
  });

  describe('verify', () => {
    it('returns the claims of a valid token, including an anonymous one', async () => {
      const tokens = await service();
      const { token } = await tokens.issue({ subject: '', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      const claims = await tokens.verify(token);
      assert.equal(claims.sub, '');
      assert.equal(accessAllows(claims.access, 'pull', 'acme/api' as RepoName), true);
      assert.equal(accessAllows(claims.access, 'push', 'acme/api' as RepoName), false);
    });

    it('caches a verified token: the second verification returns the same frozen claims', async () => {
      const tokens = await service();
      const { token } = await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      const first = await tokens.verify(token);
      assert.equal(tokens.cachedCount, 1);
      const second = await tokens.verify(token);
      assert.equal(second, first);
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.access) && Object.isFrozen(first.access[0]));
      assert.throws(() => { (first.access as TokenAccess[]).push({ type: 'registry', name: 'catalog', actions: ['*'] }); }, TypeError);
    });

    it('keeps the cache bounded, forgetting the least recently used token', async () => {
      const tokens = await service({ cacheSize: 2 });
      const [a, b, c] = await Promise.all([1, 2, 3].map(async (i) => (await tokens.issue({ subject: `u${i}`, access: [], audience: SERVICE, ttlSec: 60 })).token)) as [string, string, string];
      const claimsA = await tokens.verify(a);
      await tokens.verify(b);
      assert.equal(await tokens.verify(a), claimsA, 'a is still cached and becomes the most recent');
      await tokens.verify(c);
      assert.equal(tokens.cachedCount, 2);
      assert.equal(await tokens.verify(a), claimsA, 'b was evicted, not a');
      assert.notEqual(await tokens.verify(b), undefined);
    });

    it('accepts a token within the clock skew after expiry and rejects it after, even when cached', async () => {
      const clock = new FakeClock();
      const tokens = await service({ clockSkewSec: 30 }, clock);
      const { token } = await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 60 });
      await tokens.verify(token);
      clock.ms = T0 + (60 + 29) * 1000;
      assert.equal((await tokens.verify(token)).sub, 'alice');
      clock.ms = T0 + (60 + 31) * 1000;
      await rejectsWith(tokens.verify(token), 'expired');
      assert.equal(tokens.cachedCount, 0, 'the expired token left the cache');
      await rejectsWith(tokens.verify(token), 'expired');
    });

    it('rejects a token that is not yet valid beyond the clock skew', async () => {
      const issuerClock = new FakeClock(T0 + 10 * 60_000);
      const issuer = await service({}, issuerClock);
      const verifier = await service({ clockSkewSec: 30 }, new FakeClock(T0));
      const { token } = await issuer.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 3600 });
      await rejectsWith(verifier.verify(token), 'not-yet-valid');
      const slightlyAhead = await (await service({}, new FakeClock(T0 + 20_000))).issue({ subject: 'a', access: [], audience: SERVICE, ttlSec: 60 });
      assert.equal((await verifier.verify(slightlyAhead.token)).sub, 'a', 'a node 20 s ahead is within the skew');
    });

    it('rejects a token for another audience', async () => {
      const tokens = await service();
      const { token } = await tokens.issue({ subject: 'alice', access: PULL_API, audience: 'other.registry', ttlSec: 300 });
      await rejectsWith(tokens.verify(token), 'audience');
    });

    it('rejects a token from another issuer, even signed with the same key', async () => {
      const evil = await service({ issuer: 'someone-else' });
      const { token } = await evil.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      await rejectsWith((await service()).verify(token), 'issuer');
    });

    it('rejects a token whose payload was altered to widen its scope, even after the original was cached', async () => {
      const tokens = await service();
      const { token } = await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      await tokens.verify(token);
      const [header, , signature] = token.split('.') as [string, string, string];
      const widened = { ...decodePart(token, 1), access: [{ type: 'repository', name: 'acme/api', actions: ['pull', 'push', 'delete'] }, { type: 'registry', name: 'catalog', actions: ['*'] }] };
      await rejectsWith(tokens.verify(`${header}.${b64url(widened)}.${signature}`), 'signature');
      const otherSubject = { ...decodePart(token, 1), sub: 'admin' };
      await rejectsWith(tokens.verify(`${header}.${b64url(otherSubject)}.${signature}`), 'signature');
      assert.equal((await tokens.verify(token)).sub, 'alice', 'the original still verifies');
    });

    it('rejects alg none', async () => {
      const tokens = await service();
      const { claims } = await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      await rejectsWith(tokens.verify(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`), 'algorithm');
      await rejectsWith(tokens.verify(`${b64url({ alg: 'none', typ: 'JWT', kid: key.kid })}.${b64url(claims)}.`), 'algorithm');
    });

    it('rejects HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
      const tokens = await service();
      const { claims } = await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      const pem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      for (const secret of [pem, JSON.stringify(key.publicJwk)]) {
        for (const header of [{ alg: 'HS256', typ: 'JWT' }, { alg: 'HS256', typ: 'JWT', kid: key.kid }]) {
          const input = `${b64url(header)}.${b64url(claims)}`;
          const mac = createHmac('sha256', secret).update(input).digest('base64url');
          await rejectsWith(tokens.verify(`${input}.${mac}`), 'algorithm');
        }
      }
    });

    it('rejects a token signed by another key pair (another Berth instance), whatever kid it claims', async () => {
      const tokens = await service();
      const otherInstance = await service({ key: otherKey });
      const { token, claims } = await otherInstance.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 });
      await rejectsWith(tokens.verify(token), 'unknown-key');
      const otherPrivate = await importJWK(otherKey.privateJwk, 'ES256');
      const forgedKid = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(otherPrivate);
      await rejectsWith(tokens.verify(forgedKid), 'signature');
      const noKid = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256' }).sign(otherPrivate);
      await rejectsWith(tokens.verify(noKid), 'signature');
    });

    it('rejects tokens signed with the right key but without the claims Berth issues', async () => {
      const tokens = await service();
      const privateKey = await importJWK(key.privateJwk, 'ES256');
      const good = (await tokens.issue({ subject: 'alice', access: PULL_API, audience: SERVICE, ttlSec: 300 })).claims;
      const sign = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(privateKey);
      const { jti: _jti, ...noJti } = good;
      await rejectsWith(tokens.verify(await sign(noJti)), 'claims');
      const { exp: _exp, ...noExp } = good;
      await rejectsWith(tokens.verify(await sign(noExp)), 'claims');
      await rejectsWith(tokens.verify(await sign({ ...good, access: [{ type: 'repository', name: 'Bad Name', actions: ['pull'] }] })), 'claims');
      await rejectsWith(tokens.verify(await sign({ ...good, access: [{ type: 'repository', name: 'a', actions: ['admin'] }] })), 'claims');
      await rejectsWith(tokens.verify(await sign({ ...good, access: 'everything' })), 'claims');
      assert.equal((await tokens.verify(await sign({ ...good }))).sub, 'alice', 'the same payload with every claim passes');
    });

    it('rejects malformed and oversize tokens', async () => {
      const tokens = await service();
      for (const junk of ['', 'abc', 'a.b.c', `${b64url({ alg: 'ES256' })}.e30`, `${b64url('not json')}.e30.sig`]) {
        await rejectsWith(tokens.verify(junk), 'malformed');
      }
      await rejectsWith(tokens.verify(`${b64url({ alg: 'ES256' })}.e30.c2ln`), 'signature');
      await rejectsWith(tokens.verify('a'.repeat(20_000)), 'malformed');
    });
  });
});
