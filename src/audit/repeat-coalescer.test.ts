import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '../meta/identity-store.ts';
import { AlertEngine } from './alert-rules.ts';
import { RepeatCoalescer } from './repeat-coalescer.ts';

function pull(at: number, over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    at, actorKind: 'user', actorName: 'ci', sourceIp: '10.0.0.7', action: 'registry.pull', project: 'acme',
    repository: 'acme/api', reference: 'v1', digest: 'sha256:aa', result: 'success', detail: null, ...over,
  };
}

function recorder() {
  const events: AuditEventInput[] = [];
  return { events, record: (e: AuditEventInput) => void events.push(e) };
}

describe('RepeatCoalescer', () => {
  it('records the first pull at once and the repeats as one event when the window closes', () => {
    let now = 1_000;
    const sink = recorder();
    const coalescer = new RepeatCoalescer(sink, { windowMs: 60_000, maxOpenWindows: 100 }, () => now);
    for (let i = 0; i < 500; i++) coalescer.record(pull(1_000 + i));
    assert.equal(sink.events.length, 1, 'only the first pull is written while the window is open');
    now = 62_000;
    (coalescer as unknown as { closeExpired(): void }).closeExpired();
    assert.equal(sink.events.length, 2);
    assert.deepEqual(sink.events[1]!.detail, { repeats: 499, firstAt: 1_000 });
    assert.equal(sink.events[1]!.at, 1_499, 'the total carries the time of the last repeat');
    coalescer.closeAll();
  });

  it('keeps distinct principals, addresses, images and every non-pull event apart', () => {
    const sink = recorder();
    const coalescer = new RepeatCoalescer(sink, { windowMs: 60_000, maxOpenWindows: 100 });
    coalescer.record(pull(1));
    coalescer.record(pull(2, { actorName: 'other' }));
    coalescer.record(pull(3, { sourceIp: '10.0.0.8' }));
    coalescer.record(pull(4, { digest: 'sha256:bb' }));
    coalescer.record(pull(5, { result: 'denied' }));
    coalescer.record(pull(6, { result: 'denied' }));
    coalescer.record(pull(7, { action: 'registry.push' }));
    coalescer.record(pull(8, { action: 'registry.push' }));
    assert.equal(sink.events.length, 8);
    coalescer.closeAll();
    assert.equal(sink.events.length, 8, 'no window had repeats, so closing writes nothing');
  });

  it('closes the oldest window early when too many are open, and everything on closeAll', () => {
    const sink = recorder();
    const coalescer = new RepeatCoalescer(sink, { windowMs: 60_000, maxOpenWindows: 2 });
    coalescer.record(pull(1, { digest: 'sha256:01' }));
    coalescer.record(pull(2, { digest: 'sha256:01' }));
    coalescer.record(pull(3, { digest: 'sha256:02' }));
    coalescer.record(pull(4, { digest: 'sha256:03' }));
    assert.deepEqual(sink.events.map((e) => [e.digest, e.detail]), [
      ['sha256:01', null], ['sha256:02', null], ['sha256:01', { repeats: 1, firstAt: 1 }], ['sha256:03', null],
    ]);
    coalescer.record(pull(5, { digest: 'sha256:03' }));
    coalescer.closeAll();
    assert.deepEqual(sink.events.at(-1)!.detail, { repeats: 1, firstAt: 4 });
  });

  it('alert rules count a coalesced event with its repeats', () => {
    const engine = new AlertEngine({ rules: [{ name: 'pull-burst', action: 'registry.pull', threshold: 100, windowMinutes: 10, per: 'actor' }], maxKeysPerRule: 1000 });
    assert.equal(engine.observe(pull(1_000)).length, 0);
    const fired = engine.observe(pull(2_000, { detail: { repeats: 150, firstAt: 1_000 } }));
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.rule, 'pull-burst');
  });
});
