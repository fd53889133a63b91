import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../meta/identity-store.ts';
import { chainHash } from './audit-hash.ts';
import { auditEvent, MemoryAuditRepo } from './audit-test-kit.ts';
import { verifyChain } from './audit-verify.ts';

const ACTIONS = ['auth.login', 'registry.push', 'registry.pull', 'tag.move', 'registry.delete', 'member.grant'];

async function chain(): Promise<{ repo: MemoryAuditRepo; events: AuditEvent[] }> {
  const repo = new MemoryAuditRepo();
  await repo.append(
    ACTIONS.map((action, i) => auditEvent({ action, at: Date.UTC(2030, 0, 1, 0, i), detail: { n: i, when: new Date(Date.UTC(2030, 0, 1)) } })),
    chainHash,
  );
  return { repo, events: repo.events.map((e) => ({ ...e })) };
}

async function* iterate(events: AuditEvent[]): AsyncIterable<AuditEvent> {
  yield* events;
}

/** Rewrites the hash of every event from `index` on so each one is self-consistent and chains to the one before. */
function rehashFrom(events: AuditEvent[], index: number): void {
  for (let i = index; i < events.length; i++) {
    const prevHash = i === 0 ? '' : events[i - 1]!.hash;
    events[i] = { ...events[i]!, prevHash, hash: chainHash(prevHash, events[i]!) };
  }
}

describe('verifyChain', () => {
  it('accepts an intact chain read back from the repository and reports its head', async () => {
    const { repo, events } = await chain();
    const verdict = await verifyChain(repo.scan(1, 4), await repo.anchor());
    assert.deepEqual(verdict, { ok: true, checked: 6, lastSeq: 6, lastHash: events[5]!.hash });
  });

  it('accepts an empty chain', async () => {
    assert.deepEqual(await verifyChain(iterate([]), ''), { ok: true, checked: 0 });
  });

  it('detects an altered field', async () => {
    const { events } = await chain();
    events[2] = { ...events[2]!, actorName: 'mallory' };
    const verdict = await verifyChain(iterate(events), '');
    assert.equal(verdict.ok, false);
    assert.equal(verdict.firstBadSeq, 3);
    assert.equal(verdict.problem, 'hash-mismatch');
    assert.equal(verdict.checked, 2);
    assert.equal(verdict.lastSeq, 2);
  });

  it('detects an altered detail value', async () => {
    const { events } = await chain();
    events[4] = { ...events[4]!, detail: { n: 40, when: '2030-01-01T00:00:00.000Z' } };
    const verdict = await verifyChain(iterate(events), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [5, 'hash-mismatch']);
  });

  it('detects a deleted event by the gap in seq', async () => {
    const { events } = await chain();
    events.splice(2, 1);
    const verdict = await verifyChain(iterate(events), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [4, 'seq-gap']);
    assert.match(verdict.reason!, /events 3\.\.3 are missing/);
  });

  it('detects a deleted event whose followers were renumbered, by the broken link', async () => {
    const { events } = await chain();
    events.splice(2, 1);
    events.forEach((e, i) => (e.seq = i + 1));
    const verdict = await verifyChain(iterate(events), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [3, 'broken-link']);
  });

  it('detects events swapped in place (seq numbers kept in order)', async () => {
    const { events } = await chain();
    [events[2], events[3]] = [{ ...events[3]!, seq: 3 }, { ...events[2]!, seq: 4 }];
    const verdict = await verifyChain(iterate(events), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [3, 'broken-link']);
  });

  it('detects events delivered out of order or repeated', async () => {
    const { events } = await chain();
    const swapped = [events[0]!, events[1]!, events[3]!, events[2]!, events[4]!];
    const outOfOrder = await verifyChain(iterate(swapped), '');
    assert.deepEqual([outOfOrder.ok, outOfOrder.checked, outOfOrder.firstBadSeq, outOfOrder.problem], [false, 2, 4, 'seq-gap']);
    const repeated = [events[0]!, events[1]!, events[1]!, events[2]!];
    const verdict = await verifyChain(iterate(repeated), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [2, 'seq-order']);
  });

  it('detects a replaced hash', async () => {
    const { events } = await chain();
    events[3] = { ...events[3]!, hash: 'f'.repeat(64) };
    const verdict = await verifyChain(iterate(events), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [4, 'hash-mismatch']);
  });

  it('detects an altered event whose hash was recomputed, at the next link', async () => {
    const { events } = await chain();
    events[3] = { ...events[3]!, result: 'denied' };
    events[3].hash = chainHash(events[3].prevHash, events[3]);
    const verdict = await verifyChain(iterate(events), '');
    assert.deepEqual([verdict.firstBadSeq, verdict.problem], [5, 'broken-link']);
  });

  it('needs a checkpoint to detect a rewritten tail, and finds it with one', async () => {
    const { events } = await chain();
    const before = await verifyChain(iterate(events), '');
    const checkpoint = { seq: before.lastSeq!, hash: before.lastHash! };
    events[3] = { ...events[3]!, actorName: 'mallory' };
    rehashFrom(events, 3);
    assert.equal((await verifyChain(iterate(events), '')).ok, true, 'a consistent rewrite passes the chain alone');
    const verdict = await verifyChain(iterate(events), '', { checkpoint });
    assert.deepEqual([verdict.ok, verdict.firstBadSeq, verdict.problem], [false, 6, 'checkpoint-mismatch']);
  });

  it('detects deleted newest events against a checkpoint, and accepts a chain that grew since', async () => {
    const { repo, events } = await chain();
    const checkpoint = { seq: 4, hash: events[3]!.hash };
    assert.equal((await verifyChain(iterate(events), '', { checkpoint })).ok, true);
    const verdict = await verifyChain(iterate(events.slice(0, 3)), '', { checkpoint });
    assert.deepEqual([verdict.ok, verdict.firstBadSeq, verdict.problem, verdict.checked], [false, 4, 'truncated', 3]);
    assert.equal((await verifyChain(iterate([]), '', { checkpoint })).problem, 'truncated');
    await repo.deleteBefore(Date.UTC(2030, 0, 1, 0, 5));
    assert.equal((await verifyChain(repo.scan(1, 10), await repo.anchor(), { checkpoint })).ok, true, 'a checkpoint retention removed is not checked');
  });

  it('checks the oldest kept event against the anchor after retention', async () => {
    const { repo } = await chain();
    assert.equal(await repo.deleteBefore(Date.UTC(2030, 0, 1, 0, 2)), 2);
    const anchor = await repo.anchor();
    assert.deepEqual(await verifyChain(repo.scan(1, 10), anchor), { ok: true, checked: 4, lastSeq: 6, lastHash: repo.events.at(-1)!.hash });
    const verdict = await verifyChain(repo.scan(1, 10), '');
    assert.deepEqual([verdict.ok, verdict.firstBadSeq, verdict.problem, verdict.checked], [false, 3, 'broken-link', 0]);
    assert.match(verdict.reason!, /anchor/);
  });
});
