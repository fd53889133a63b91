import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import type { AuditEvent, AuditEventInput } from '../meta/identity-store.ts';
import { auditEvent, capturingLogger, MemoryAuditRepo, until } from './audit-test-kit.ts';
import { verifyChain } from './audit-verify.ts';
import { AuditWriter, type AuditWriterOptions } from './audit-writer.ts';

const HOUR = 3_600_000;

function setup(options: Partial<AuditWriterOptions> = {}) {
  const repo = new MemoryAuditRepo();
  const { log, lines } = capturingLogger();
  const writer = new AuditWriter({ repo, log }, { retryDelayMs: 1, maxRetryDelayMs: 4, ...options });
  return { repo, writer, lines };
}

/** Event number n, told apart by its actor name. */
const numbered = (n: number, over: Partial<AuditEventInput> = {}) => auditEvent({ actorName: `user${n}`, at: Date.UTC(2030, 0, 1) + n, ...over });
const names = (events: AuditEvent[]) => events.map((e) => e.actorName);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `user${from + i}`);

async function settled(promise: Promise<unknown>): Promise<boolean> {
  let isDone = false;
  void promise.then(() => (isDone = true), () => (isDone = true));
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return isDone;
}

describe('AuditWriter', () => {
  it('appends a full batch at once, without waiting for the delay', async () => {
    const { repo, writer } = setup({ batchSize: 3, flushDelayMs: HOUR });
    writer.record(numbered(0));
    writer.record(numbered(1));
    assert.equal(repo.appendCalls.length, 0);
    writer.record(numbered(2));
    await until(() => repo.events.length === 3);
    assert.deepEqual(names(repo.events), range(0, 3));
    assert.equal(repo.appendCalls.length, 1);
    await writer.close();
  });

  it('appends a partial batch after the delay, in one append', async () => {
    const { repo, writer } = setup({ batchSize: 100, flushDelayMs: 20 });
    writer.record(numbered(0));
    writer.record(numbered(1));
    await until(() => repo.events.length === 2);
    assert.deepEqual(repo.appendCalls, [['registry.pull', 'registry.pull']]);
    assert.deepEqual(names(repo.events), range(0, 2));
    await writer.close();
  });

  it('groups events recorded during an append into the next one, in order, at most batchSize each', async () => {
    const { repo, writer } = setup({ batchSize: 100, flushDelayMs: HOUR });
    repo.hold();
    writer.record(numbered(0));
    const first = writer.flush();
    assert.equal(repo.appendCalls.length, 1, 'flush appends at once');
    for (let n = 1; n <= 250; n++) writer.record(numbered(n));
    assert.equal(await settled(first), false, 'flush waits for the append');
    repo.release();
    await writer.flush();
    assert.deepEqual(repo.appendCalls.map((c) => c.length), [1, 100, 100, 50]);
    assert.deepEqual(names(repo.events), range(0, 251));
    assert.deepEqual(repo.events.map((e) => e.seq), Array.from({ length: 251 }, (_, i) => i + 1));
    assert.deepEqual(await verifyChain(repo.scan(1, 64), ''), { ok: true, checked: 251, lastSeq: 251, lastHash: repo.events.at(-1)!.hash });
    await writer.close();
  });

  it('retries a failed append until it succeeds, storing each event exactly once, and logs the failures', async () => {
    const { repo, writer, lines } = setup({ batchSize: 10, flushDelayMs: HOUR });
    repo.failNext(3);
    for (let n = 0; n < 5; n++) writer.record(numbered(n));
    await writer.flush();
    assert.deepEqual(names(repo.events), range(0, 5));
    assert.equal(repo.appendCalls.length, 4);
    const failures = lines.filter((l) => l.msg === 'audit: appending events failed; retrying');
    assert.deepEqual(failures.map((l) => [l.level, l.attempt, l.events]), [[50, 1, 5], [50, 2, 5], [50, 3, 5]]);
    assert.match(String((failures[0]!.err as { message: string }).message), /database is unavailable/);
    assert.ok(lines.some((l) => l.msg === 'audit: appending events succeeded again' && l.attempts === 4));
    assert.deepEqual(writer.stats(), { pending: 0, inFlight: 0, persisted: 5, dropped: 0, refused: 0, lost: 0, failedAppends: 3 });
    assert.equal((await verifyChain(repo.scan(1, 10), '')).ok, true);
    await writer.close();
  });

  it('keeps events recorded during an outage behind the retried batch', async () => {
    const { repo, writer } = setup({ batchSize: 2, flushDelayMs: HOUR });
    repo.failNext(2);
    writer.record(numbered(0));
    writer.record(numbered(1));
    for (let n = 2; n < 7; n++) writer.record(numbered(n));
    await writer.flush();
    assert.deepEqual(names(repo.events), range(0, 7));
    assert.deepEqual(repo.appendCalls.map((c) => c.length), [2, 2, 2, 2, 2, 1]);
    await writer.close();
  });

  it('bounds its buffer while the database is down: drops the oldest unwritten events, logs once, and records the gap', async () => {
    const { repo, writer, lines } = setup({ batchSize: 2, maxBufferedEvents: 10, flushDelayMs: HOUR });
    repo.hold();
    for (let n = 0; n < 25; n++) writer.record(numbered(n));
    // user0 and user1 are in flight; 8 more fit; user2..user16 were pushed out.
    assert.deepEqual(writer.stats(), { pending: 8, inFlight: 2, persisted: 0, dropped: 15, refused: 0, lost: 0, failedAppends: 0 });
    assert.equal(lines.filter((l) => l.level === 50 && String(l.msg).includes('buffer full')).length, 1);
    repo.failNext(2);
    repo.release();
    await writer.flush();
    assert.deepEqual(names(repo.events), ['user0', 'user1', 'berth', ...range(17, 25)]);
    const marker = repo.events[2]!;
    assert.equal(marker.action, 'audit.dropped');
    assert.equal(marker.actorKind, 'system');
    assert.equal(marker.result, 'failure');
    assert.deepEqual(marker.detail, { dropped: 15, firstAt: numbered(2).at, lastAt: numbered(16).at, reason: 'buffer full while the database was unavailable' });
    assert.equal(writer.stats().persisted, 11);
    assert.ok(lines.some((l) => l.msg === 'audit: dropped events are recorded in the chain as audit.dropped' && l.dropped === 15));
    assert.equal((await verifyChain(repo.scan(1, 10), '')).ok, true);

    // A later outage is a new episode: logged again.
    repo.hold();
    for (let n = 100; n < 115; n++) writer.record(numbered(n));
    assert.equal(lines.filter((l) => l.level === 50 && String(l.msg).includes('buffer full')).length, 2);
    repo.release();
    await writer.close();
    assert.equal(writer.stats().dropped, 20);
  });

  it('flush resolves only when everything recorded before it is stored', async () => {
    const { repo, writer } = setup({ flushDelayMs: HOUR });
    assert.equal(await settled(writer.flush()), true, 'nothing recorded: resolves at once');
    repo.hold();
    for (let n = 0; n < 3; n++) writer.record(numbered(n));
    const flushed = writer.flush();
    writer.record(numbered(3));
    assert.equal(await settled(flushed), false);
    repo.release();
    await flushed;
    assert.ok(repo.events.length >= 3);
    assert.deepEqual(names(repo.events.slice(0, 3)), range(0, 3));
    await writer.close();
    assert.deepEqual(names(repo.events), range(0, 4));
  });

  it('close stores what is buffered, then refuses new events', async () => {
    const { repo, writer, lines } = setup({ flushDelayMs: HOUR });
    writer.record(numbered(0));
    writer.record(numbered(1));
    await writer.close();
    assert.deepEqual(names(repo.events), range(0, 2));
    writer.record(numbered(2));
    await writer.close();
    assert.equal(repo.events.length, 2);
    assert.equal(writer.stats().refused, 1);
    assert.ok(lines.some((l) => l.msg === 'audit: event refused' && String((l.err as { message: string }).message).includes('closed')));
  });

  it('close with a timeout gives up on a database that stays down, counting the lost events', async () => {
    const { repo, writer, lines } = setup({ flushDelayMs: HOUR, maxRetryDelayMs: 10 });
    repo.failNext(Number.POSITIVE_INFINITY);
    for (let n = 0; n < 3; n++) writer.record(numbered(n));
    const flushed = writer.flush();
    await writer.close({ timeoutMs: 50 });
    await assert.rejects(flushed, (err) => isBerthError(err, 'UNAVAILABLE'));
    assert.equal(repo.events.length, 0);
    assert.equal(writer.stats().lost, 3);
    assert.ok(lines.some((l) => l.level === 50 && l.lost === 3));
  });

  it('emits stored events to listeners after commit, in order, isolating a failing listener', async () => {
    const { repo, writer, lines } = setup({ batchSize: 2, flushDelayMs: HOUR });
    const seen: AuditEvent[] = [];
    const late: number[] = [];
    writer.onEvent(() => {
      throw new Error('listener bug');
    });
    writer.onEvent(async () => {
      throw new Error('async listener bug');
    });
    writer.onEvent((event) => {
      assert.ok(repo.events.some((e) => e.seq === event.seq), 'emitted only once stored');
      seen.push(event);
    });
    repo.failNext(1);
    for (let n = 0; n < 3; n++) writer.record(numbered(n));
    await writer.flush();
    assert.deepEqual(seen.map((e) => [e.seq, e.actorName]), [[1, 'user0'], [2, 'user1'], [3, 'user2']]);
    assert.deepEqual(seen.map((e) => e.hash), repo.events.map((e) => e.hash));
    await until(() => lines.filter((l) => l.msg === 'audit: an event listener failed').length === 6);

    const unsubscribe = writer.onEvent((event) => {
      late.push(event.seq);
    });
    writer.record(numbered(3));
    await writer.flush();
    unsubscribe();
    writer.record(numbered(4));
    await writer.close();
    assert.deepEqual(late, [4]);
    assert.equal(seen.length, 5);
  });

  it('refuses an invalid event without blocking the ones behind it, and snapshots what it records', async () => {
    const { repo, writer, lines } = setup({ flushDelayMs: HOUR });
    const detail = { tags: ['v1'] };
    writer.record(numbered(0, { detail }));
    writer.record({ ...numbered(1), actorKind: 'admin' } as unknown as AuditEventInput);
    writer.record(numbered(2));
    detail.tags.push('mutated');
    await writer.close();
    assert.deepEqual(names(repo.events), ['user0', 'user2']);
    assert.deepEqual(repo.events[0]!.detail, { tags: ['v1'] });
    assert.equal(writer.stats().refused, 1);
    assert.ok(lines.some((l) => l.msg === 'audit: event refused' && l.action === 'registry.pull'));
  });

  it('rejects options that cannot bound the buffer', () => {
    const { log } = capturingLogger();
    const repo = new MemoryAuditRepo();
    assert.throws(() => new AuditWriter({ repo, log }, { batchSize: 100, maxBufferedEvents: 100 }), RangeError);
    assert.throws(() => new AuditWriter({ repo, log }, { batchSize: 0 }), RangeError);
  });
});
