import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '../meta/identity-store.ts';
import { canonicalAuditJson, chainHash, normalizeAuditEvent } from './audit-hash.ts';
import { auditEvent } from './audit-test-kit.ts';

const GOLDEN = auditEvent({ at: 1_700_000_000_000, detail: { z: 'x', a: [1, null] } });
const GOLDEN_JSON =
  '{"at":1700000000000,"actorKind":"user","actorName":"alice","sourceIp":"198.51.100.7","action":"registry.pull",' +
  '"project":"acme","repository":"acme/api","reference":"v1","digest":null,"result":"success","detail":{"a":[1,null],"z":"x"}}';

describe('canonicalAuditJson', () => {
  it('writes fields in a fixed order, sorted detail keys, explicit nulls and no whitespace', () => {
    assert.equal(canonicalAuditJson(GOLDEN), GOLDEN_JSON);
  });

  it('does not depend on the order keys were written in, at any depth', () => {
    const a = auditEvent({ detail: { outer: { b: 1, a: 2 }, list: [{ y: 1, x: 2 }] } });
    const b = { ...auditEvent(), detail: { list: [{ x: 2, y: 1 }], outer: { a: 2, b: 1 } } };
    const reversed = Object.fromEntries(Object.entries(b).reverse()) as unknown as AuditEventInput;
    assert.equal(canonicalAuditJson(reversed), canonicalAuditJson(a));
  });

  it('writes a missing field as null, and ignores seq, prevHash and hash', () => {
    const { digest: _digest, ...withoutDigest } = auditEvent();
    assert.equal(canonicalAuditJson(withoutDigest as AuditEventInput), canonicalAuditJson(auditEvent({ digest: null })));
    const stored = { ...auditEvent(), seq: 7, prevHash: 'ab', hash: 'cd' };
    assert.equal(canonicalAuditJson(stored), canonicalAuditJson(auditEvent()));
  });

  it('gives the same form after a JSON round trip through a database', () => {
    const event = auditEvent({ detail: { when: new Date(Date.UTC(2030, 0, 2)), gone: undefined, nan: Number.NaN, list: [undefined, 1] } });
    const roundTripped = JSON.parse(JSON.stringify(event)) as AuditEventInput;
    assert.equal(canonicalAuditJson(roundTripped), canonicalAuditJson(event));
    assert.match(canonicalAuditJson(event), /"detail":\{"list":\[null,1\],"nan":null,"when":"2030-01-02T00:00:00.000Z"\}/);
  });

  it('refuses a detail with a cycle or a BigInt', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalAuditJson(auditEvent({ detail: cyclic })), TypeError);
    assert.throws(() => canonicalAuditJson(auditEvent({ detail: { n: 1n } })), TypeError);
  });
});

describe('chainHash', () => {
  it('is hex sha256 over prevHash, a newline and the canonical JSON', () => {
    // Computed independently: printf '%s\n%s' abc "$GOLDEN_JSON" | sha256sum
    assert.equal(chainHash('abc', GOLDEN), 'fa0ad606f143d10da8ad6436cea76205257494094d6f62869d261a2c7dadd884');
  });

  it('changes with the previous hash and with every field', () => {
    const base = chainHash('', GOLDEN);
    assert.notEqual(chainHash('0', GOLDEN), base);
    const changes: Partial<AuditEventInput>[] = [
      { at: GOLDEN.at + 1 },
      { actorKind: 'robot' },
      { actorName: 'mallory' },
      { sourceIp: null },
      { action: 'registry.push' },
      { project: 'other' },
      { repository: 'acme/web' },
      { reference: 'v2' },
      { digest: 'sha256:' + '0'.repeat(64) },
      { result: 'denied' },
      { detail: { z: 'x', a: [1, 0] } },
    ];
    const hashes = new Set(changes.map((change) => chainHash('', { ...GOLDEN, ...change })));
    assert.equal(hashes.size, changes.length);
    assert.ok(!hashes.has(base));
  });
});

describe('normalizeAuditEvent', () => {
  it('returns a detached plain copy with explicit nulls', () => {
    const detail = { tags: ['v1'] };
    const input = { ...auditEvent({ detail }), seq: 3 } as AuditEventInput;
    delete (input as Partial<AuditEventInput>).reference;
    const normalized = normalizeAuditEvent(input);
    detail.tags.push('v2');
    assert.deepEqual(normalized, { ...auditEvent({ detail: { tags: ['v1'] } }), reference: null });
    assert.equal(canonicalAuditJson(normalized), canonicalAuditJson({ ...auditEvent({ detail: { tags: ['v1'] } }), reference: null }));
  });

  it('rejects events a service could not have meant', () => {
    const bad: Array<Record<string, unknown>> = [
      { at: 1.5 },
      { at: '1700000000000' },
      { actorKind: 'admin' },
      { actorName: undefined },
      { action: '' },
      { result: 'ok' },
      { project: 42 },
      { detail: ['not', 'an', 'object'] },
      { detail: 'text' },
    ];
    for (const over of bad) {
      assert.throws(() => normalizeAuditEvent({ ...auditEvent(), ...over } as AuditEventInput), TypeError, JSON.stringify(over));
    }
  });
});
