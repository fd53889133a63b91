import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash as rawArgon2 } from '@node-rs/argon2';
import { isBerthError } from '../errors/berth-error.ts';
import { MAX_PASSWORD_BYTES } from './credentials.ts';
import { DEFAULT_PASSWORD_PARAMS, generateSecret, hashPassword, needsRehash, verifyPassword, type PasswordHash } from './password.ts';

// Cheaper parameters keep the suite quick on a shared machine; the defaults get their own test.
const CHEAP = { memoryCostKiB: 1024, timeCost: 1, parallelism: 1 };

describe('hashPassword / verifyPassword', () => {
  it('hashes with argon2id and the documented default parameters', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyPassword(stored, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(stored, 'correct horse battery stapl'), false);
    assert.equal(needsRehash(stored), false);
  });

  it('salts every hash, so equal passwords give different hashes that both verify', async () => {
    const a = await hashPassword('same', CHEAP);
    const b = await hashPassword('same', CHEAP);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword(a, 'same'), true);
    assert.equal(await verifyPassword(b, 'same'), true);
  });

  it('handles non-ASCII passwords byte-exactly', async () => {
    const stored = await hashPassword('pässwörd ✓', CHEAP);
    assert.equal(await verifyPassword(stored, 'pässwörd ✓'), true);
    assert.equal(await verifyPassword(stored, 'passwörd ✓'), false);
    assert.equal(await verifyPassword(stored, 'pa\u0308sswörd ✓'), false, 'a decomposed ä is a different password');
  });

  it('refuses to hash an empty or oversize password', async () => {
    await assert.rejects(hashPassword(''), (err) => isBerthError(err, 'BAD_REQUEST'));
    await assert.rejects(hashPassword('x'.repeat(MAX_PASSWORD_BYTES + 1), CHEAP), (err) => isBerthError(err, 'BAD_REQUEST'));
    const longest = 'x'.repeat(MAX_PASSWORD_BYTES);
    assert.equal(await verifyPassword(await hashPassword(longest, CHEAP), longest), true);
  });

  it('answers false for an oversize password without touching the hash', async () => {
    const stored = await hashPassword('x', CHEAP);
    assert.equal(await verifyPassword(stored, 'x'.repeat(MAX_PASSWORD_BYTES + 1)), false);
  });

  it('answers false for an unknown account (no stored hash) after doing the same work', async () => {
    assert.equal(await verifyPassword(undefined, 'anything'), false);
    assert.equal(await verifyPassword(undefined, ''), false);
  });

  it('throws INTERNAL for a corrupt stored hash rather than calling it a wrong password', async () => {
    await assert.rejects(verifyPassword('not a hash' as PasswordHash, 'x'), (err) => isBerthError(err, 'INTERNAL'));
    await assert.rejects(verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA' as PasswordHash, 'x'), (err) => isBerthError(err, 'INTERNAL'));
  });

  it('verifies concurrently', async () => {
    const stored = await hashPassword('pw', CHEAP);
    const results = await Promise.all(['pw', 'nope', 'pw', 'PW', 'pw'].map((p) => verifyPassword(stored, p)));
    assert.deepEqual(results, [true, false, true, false, true]);
  });
});

describe('needsRehash', () => {
  it('is true when any parameter differs from the current ones', async () => {
    const cheap = await hashPassword('pw', CHEAP);
    assert.equal(needsRehash(cheap, CHEAP), false);
    assert.equal(needsRehash(cheap), true);
    assert.equal(needsRehash(cheap, { ...CHEAP, timeCost: 2 }), true);
    assert.equal(needsRehash(cheap, { ...CHEAP, memoryCostKiB: 2048 }), true);
    assert.equal(needsRehash(cheap, { ...CHEAP, parallelism: 2 }), true);
  });

  it('is true for another argon2 variant, which still verifies', async () => {
    const argon2i = await rawArgon2('pw', { algorithm: 1, memoryCost: DEFAULT_PASSWORD_PARAMS.memoryCostKiB, timeCost: 2, parallelism: 1 }) as PasswordHash;
    assert.match(argon2i, /^\$argon2i\$/);
    assert.equal(await verifyPassword(argon2i, 'pw'), true);
    assert.equal(needsRehash(argon2i), true);
  });

  it('is true for a malformed hash', () => {
    assert.equal(needsRehash('garbage' as PasswordHash), true);
  });
});

describe('generateSecret', () => {
  it('gives 256 random bits, URL-safe, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const secret = generateSecret();
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(secret, 'base64url').length, 32);
      seen.add(secret);
    }
    assert.equal(seen.size, 100);
  });

  it('takes a byte count between 16 and 1024', () => {
    assert.equal(Buffer.from(generateSecret(16), 'base64url').length, 16);
    assert.throws(() => generateSecret(8), RangeError);
    assert.throws(() => generateSecret(1.5), RangeError);
  });

  it('makes usable passwords', async () => {
    const secret = generateSecret();
    assert.equal(await verifyPassword(await hashPassword(secret, CHEAP), secret), true);
  });
});
