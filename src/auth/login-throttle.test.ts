import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';

const MINUTE = 60_000;

function setup(over: Partial<LoginThrottleOptions> = {}) {
  const clock = { ms: Date.UTC(2030, 0, 1) };
  const throttle = new LoginThrottle({
    account: { maxFailures: 3, windowMs: 10 * MINUTE, lockMs: 5 * MINUTE },
    address: { maxFailures: 6, windowMs: 10 * MINUTE, lockMs: 5 * MINUTE },
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    now: () => clock.ms,
    ...over,
  });
  return { throttle, clock };
}

const alice = { account: 'alice', address: '198.51.100.7' };

describe('LoginThrottle', () => {
  it('lets a first attempt through at once', () => {
    const { throttle } = setup();
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 0 });
  });

  it('grows the delay with each failure, then locks the account after maxFailures', () => {
    const { throttle } = setup();
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 0 });
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 100 });
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 200 });
    assert.deepEqual(throttle.begin(alice), { allowed: false, retryAfterMs: 5 * MINUTE, lockedBy: 'account' });
  });

  it('caps the delay', () => {
    const { throttle } = setup({ account: { maxFailures: 100, windowMs: MINUTE, lockMs: MINUTE }, address: { maxFailures: 100, windowMs: MINUTE, lockMs: MINUTE } });
    const delays = Array.from({ length: 8 }, () => (throttle.begin(alice) as { delayMs: number }).delayMs);
    assert.deepEqual(delays, [0, 100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('counts concurrent attempts before any of them finishes', () => {
    const { throttle } = setup();
    const verdicts = Array.from({ length: 5 }, () => throttle.begin(alice).allowed);
    assert.deepEqual(verdicts, [true, true, true, false, false]);
  });

  it('locks the account from every address, and refusals are not counted', () => {
    const { throttle } = setup();
    for (let i = 0; i < 3; i++) throttle.begin({ account: 'alice', address: `198.51.100.${i}` });
    const verdict = throttle.begin({ account: 'alice', address: '203.0.113.1' });
    assert.equal(verdict.allowed, false);
    assert.equal(verdict.allowed === false && verdict.lockedBy, 'account');
    assert.deepEqual(throttle.begin({ account: 'bob', address: '203.0.113.1' }), { allowed: true, delayMs: 0 }, 'the refused attempt left the new address clean');
  });

  it('locks an address that guesses at many accounts', () => {
    const { throttle } = setup();
    for (let i = 0; i < 6; i++) assert.equal(throttle.begin({ account: `user${i}`, address: alice.address }).allowed, true);
    const verdict = throttle.begin({ account: 'user9', address: alice.address });
    assert.deepEqual(verdict, { allowed: false, retryAfterMs: 5 * MINUTE, lockedBy: 'address' });
    assert.equal(throttle.begin({ account: 'user9', address: '203.0.113.1' }).allowed, true, 'the account itself is not locked');
  });

  it('lifts the lock when it expires, and counts the account afresh', () => {
    const { throttle, clock } = setup();
    for (let i = 0; i < 3; i++) throttle.begin(alice);
    clock.ms += 5 * MINUTE - 1;
    assert.deepEqual(throttle.begin(alice), { allowed: false, retryAfterMs: 1, lockedBy: 'account' });
    clock.ms += 1;
    const elsewhere = { account: 'alice', address: '203.0.113.1' };
    assert.deepEqual(throttle.begin(elsewhere), { allowed: true, delayMs: 0 });
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 400 }, 'the old address still carries its three failures');
    assert.equal(throttle.begin(elsewhere).allowed, true);
    assert.equal(throttle.begin(elsewhere).allowed, false, 'three new failures lock the account again');
  });

  it('forgets failures older than the window', () => {
    const { throttle, clock } = setup();
    throttle.begin(alice);
    throttle.begin(alice);
    clock.ms += 10 * MINUTE;
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 0 });
  });

  it('resets the account on success but keeps the address counting other failures', () => {
    const { throttle } = setup();
    throttle.begin(alice);
    throttle.begin(alice);
    assert.deepEqual(throttle.begin(alice), { allowed: true, delayMs: 200 });
    throttle.succeed(alice);
    assert.deepEqual(throttle.begin({ account: 'alice', address: '203.0.113.1' }), { allowed: true, delayMs: 0 }, 'the account is clean');
    assert.deepEqual(throttle.begin({ account: 'carol', address: alice.address }), { allowed: true, delayMs: 200 }, 'the address still carries two failures');
  });

  it('does not let an address reset its count by logging in to a known account between guesses', () => {
    const { throttle } = setup();
    for (let i = 0; i < 5; i++) {
      assert.equal(throttle.begin({ account: `victim${i}`, address: alice.address }).allowed, true);
      assert.equal(throttle.begin(alice).allowed, true);
      throttle.succeed(alice);
    }
    assert.equal(throttle.begin({ account: 'victim5', address: alice.address }).allowed, true);
    assert.equal(throttle.begin({ account: 'victim6', address: alice.address }).allowed, false, 'six failed guesses lock the address');
  });

  it('does not let a success on the last allowed attempt leave the address locked', () => {
    const { throttle } = setup({ address: { maxFailures: 2, windowMs: MINUTE, lockMs: MINUTE } });
    throttle.begin(alice);
    throttle.begin(alice);
    throttle.succeed(alice);
    assert.equal(throttle.begin(alice).allowed, true);
  });

  it('unlocks an account on request', () => {
    const { throttle } = setup();
    for (let i = 0; i < 3; i++) throttle.begin({ account: 'alice', address: `198.51.100.${i}` });
    throttle.unlockAccount('alice');
    assert.deepEqual(throttle.begin({ account: 'alice', address: '203.0.113.1' }), { allowed: true, delayMs: 0 });
  });

  it('stays within maxEntries, forgetting unlocked keys before locked ones', () => {
    const { throttle } = setup({ maxEntries: 10, address: { maxFailures: 1_000, windowMs: MINUTE, lockMs: MINUTE } });
    for (let i = 0; i < 3; i++) throttle.begin(alice); // alice locked, and the oldest entry
    for (let i = 0; i < 50; i++) throttle.begin({ account: `spray${i}`, address: alice.address });
    assert.deepEqual(throttle.size, { accounts: 10, addresses: 1 });
    assert.equal(throttle.begin(alice).allowed, false, 'spraying account names did not flush the lock');
  });

  it('refuses nonsensical limits', () => {
    assert.throws(() => new LoginThrottle({ account: { maxFailures: 0, windowMs: 1, lockMs: 1 } }), RangeError);
  });
});
