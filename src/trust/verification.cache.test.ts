import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerificationCache } from './verification.cache.ts';

const TRUSTED = { isTrusted: true, signer: 'key release' };
const D = `sha256:${'a'.repeat(64)}`;

describe('verification cache', () => {
  it('answers until the TTL, then forgets', () => {
    let now = 1000;
    const cache = new VerificationCache({ ttlMs: 100, maxEntries: 10, now: () => now });
    cache.set('acme/app', D, TRUSTED, cache.epoch);
    now = 1099;
    assert.deepEqual(cache.get('acme/app', D), TRUSTED);
    assert.equal(cache.get('acme/other', D), undefined, 'per repository: signatures live beside the image');
    now = 1100;
    assert.equal(cache.get('acme/app', D), undefined);
  });

  it('drops exactly one project\'s repositories, and refuses a verdict computed across the invalidation', () => {
    const cache = new VerificationCache({ ttlMs: 60_000, maxEntries: 10, now: () => 0 });
    for (const repo of ['acme', 'acme/app', 'acme/deep/app', 'acme-x/app', 'acmex']) cache.set(repo, D, TRUSTED, cache.epoch);
    const before = cache.epoch;
    cache.invalidateProject('acme');
    assert.deepEqual(['acme', 'acme/app', 'acme/deep/app', 'acme-x/app', 'acmex'].map((r) => cache.get(r, D) !== undefined), [false, false, false, true, true]);
    cache.set('acme/app', D, TRUSTED, before);
    assert.equal(cache.get('acme/app', D), undefined);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = new VerificationCache({ ttlMs: 60_000, maxEntries: 2, now: () => 0 });
    for (const repo of ['p/a', 'p/b', 'p/c']) cache.set(repo, D, TRUSTED, cache.epoch);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('p/a', D), undefined);
    assert.deepEqual(cache.get('p/c', D), TRUSTED);
  });
});
