import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AuditEvent, AuditEventInput } from './identity-store.ts';
import type { StoreContext } from './meta-store.contract-kit.ts';
import type { MetaStore } from './meta-store.ts';

/** JSON with object keys sorted at every level, so the same event always hashes the same. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The design's chain hash: sha256(prev_hash || canonical_json(entry)). */
export function chainHash(prevHash: string, event: AuditEventInput): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest('hex');
}

export function inputOf(event: AuditEvent): AuditEventInput {
  const { seq: _seq, prevHash: _prev, hash: _hash, ...input } = event;
  return input;
}

function event(over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    at: 1_700_000_000_000,
    actorKind: 'user',
    actorName: 'alice',
    sourceIp: '192.0.2.7',
    action: 'registry.push',
    project: 'acme',
    repository: 'acme/api',
    reference: 'v1',
    digest: `sha256:${'a'.repeat(64)}`,
    result: 'success',
    detail: null,
    ...over,
  };
}

export async function scanAll(store: MetaStore, fromSeq = 1, batch = 100): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const e of store.audit.scan(fromSeq, batch)) out.push(e);
  return out;
}

/** Asserts `events` is an unbroken chain from `anchor`: consecutive seqs, each linked to the last, each hash recomputed. */
export function assertChain(events: AuditEvent[], anchor: string, firstSeq: number): void {
  let prev = anchor;
  events.forEach((e, i) => {
    assert.equal(e.seq, firstSeq + i, `seq at ${i}`);
    assert.equal(e.prevHash, prev, `prevHash of seq ${e.seq}`);
    assert.equal(e.hash, chainHash(e.prevHash, inputOf(e)), `hash of seq ${e.seq}`);
    prev = e.hash;
  });
}

/** Batches of varied sizes totalling `total`, each event naming its batch. */
export function auditBatches(total: number, tag = 'caller'): AuditEventInput[][] {
  const sizes = [10, 50, 100, 140];
  const batches: AuditEventInput[][] = [];
  for (let c = 0, sum = 0; sum < total; c++) {
    const size = Math.min(sizes[c % sizes.length]!, total - sum);
    batches.push(Array.from({ length: size }, (_, i) => event({ actorName: `${tag}-${c}`, detail: { i }, at: 1_700_000_000_000 + i })));
    sum += size;
  }
  return batches;
}

/**
 * Appends `total` events in batches, all at once, spread over `stores`, then checks that the store holds one
 * unbroken chain of exactly those events in which each batch went in whole, in order, in one run of seqs.
 */
export async function appendConcurrently(stores: MetaStore[], total: number): Promise<void> {
  const batches = auditBatches(total);
  const results = await Promise.all(batches.map((b, i) => stores[i % stores.length]!.audit.append(b, chainHash)));
  const chain = await scanAll(stores[0]!, 1, 333);
  assert.equal(chain.length, total);
  assertChain(chain, '', 1);
  results.forEach((appended, i) => {
    assert.deepEqual(appended.map(inputOf), batches[i]);
    assert.deepEqual(chain.slice(appended[0]!.seq - 1, appended.at(-1)!.seq), appended);
  });
}

function describeAuditChain(ctx: StoreContext): void {
  describe('audit chain', () => {
    it('append chains a batch from the empty anchor and stores every field; an empty batch appends nothing', async () => {
      assert.deepEqual(await ctx.store.audit.append([], chainHash), []);
      assert.equal(await ctx.store.audit.anchor(), '');
      const batch = [
        event({ detail: { reason: 'bad password', attempts: 3, nested: { b: 1, a: [true, null] } }, result: 'failure', action: 'auth.login', repository: null, reference: null, digest: null }),
        event({ actorKind: 'anonymous', actorName: 'anonymous', sourceIp: null, project: null }),
        event({ actorKind: 'robot', actorName: 'robot$acme+ci', at: 1_700_000_000_001 }),
      ];
      const appended = await ctx.store.audit.append(batch, chainHash);
      assert.deepEqual(appended.map(inputOf), batch);
      assertChain(appended, '', 1);
      assert.deepEqual(await scanAll(ctx.store), appended);
      const more = await ctx.store.audit.append([event({ action: 'tag.move' })], chainHash);
      assertChain([...appended, ...more], '', 1);
    });

    it('1,000 events appended concurrently by several callers form one unbroken chain, each batch whole', { timeout: 180_000 }, async () => {
      await appendConcurrently([ctx.store], 1000);
    });

    it('scan starts at a sequence number and pages through the rest in order', async () => {
      await ctx.store.audit.append(Array.from({ length: 25 }, (_, i) => event({ detail: { i } })), chainHash);
      const everything = await scanAll(ctx.store, 1, 5);
      assert.deepEqual(everything.map((e) => e.seq), Array.from({ length: 25 }, (_, i) => i + 1));
      assert.deepEqual((await scanAll(ctx.store, 11, 7)).map((e) => e.seq), everything.slice(10).map((e) => e.seq));
      assert.deepEqual(await scanAll(ctx.store, 26, 5), []);
    });

    it('deleteBefore removes the oldest events and records the anchor the first kept one chains to', async () => {
      const base = 1_700_000_000_000;
      const appended = await ctx.store.audit.append(Array.from({ length: 10 }, (_, i) => event({ at: base + i * 1000 })), chainHash);
      assert.equal(await ctx.store.audit.deleteBefore(base + 4000), 4);
      const kept = await scanAll(ctx.store);
      assert.deepEqual(kept, appended.slice(4));
      assert.equal(await ctx.store.audit.anchor(), appended[3]!.hash);
      assertChain(kept, await ctx.store.audit.anchor(), 5);
      assert.equal(await ctx.store.audit.deleteBefore(base + 4000), 0);
      assert.equal(await ctx.store.audit.anchor(), appended[3]!.hash);
      // Everything goes: the anchor is the last hash, and the next event chains to it.
      assert.equal(await ctx.store.audit.deleteBefore(base + 60_000), 6);
      assert.deepEqual(await scanAll(ctx.store), []);
      assert.equal(await ctx.store.audit.anchor(), appended[9]!.hash);
      const next = await ctx.store.audit.append([event()], chainHash);
      assertChain(next, appended[9]!.hash, 11);
    });

    it('deleteBefore removes only a prefix of the chain, stopping at the first event not old enough', async () => {
      const ats = [1000, 2000, 9000, 3000, 4000];
      const appended = await ctx.store.audit.append(ats.map((at) => event({ at })), chainHash);
      assert.equal(await ctx.store.audit.deleteBefore(5000), 2);
      const kept = await scanAll(ctx.store);
      assert.deepEqual(kept.map((e) => e.at), [9000, 3000, 4000]);
      assertChain(kept, await ctx.store.audit.anchor(), 3);
      assert.equal(await ctx.store.audit.anchor(), appended[1]!.hash);
    });

    it('a reopened store continues the same chain', async () => {
      const first = await ctx.store.audit.append([event(), event()], chainHash);
      const again = await ctx.reopen();
      const second = await again.audit.append([event({ action: 'registry.pull' })], chainHash);
      assertChain([...first, ...second], '', 1);
    });
  });
}

function describeAuditQuery(ctx: StoreContext): void {
  describe('audit query', () => {
    const rows: AuditEventInput[] = [
      event({ at: 100, actorName: 'alice', project: 'acme', action: 'registry.push', result: 'success' }),
      event({ at: 200, actorName: 'bob', project: 'beta', action: 'registry.pull', result: 'denied' }),
      event({ at: 300, actorName: 'alice', project: null, action: 'auth.login', result: 'failure' }),
      event({ at: 400, actorName: 'carol', project: 'acme', action: 'registry.delete', result: 'success' }),
      event({ at: 500, actorName: 'alice', project: 'gamma', action: 'registry.push', result: 'success' }),
      event({ at: 600, actorName: 'bob', project: 'acme', action: 'registry.push', result: 'failure' }),
    ];
    const seqs = (events: AuditEvent[]) => events.map((e) => e.seq);

    it('filters by time range (from inclusive, to exclusive), actor, project, projects, action and result; newest first', async () => {
      await ctx.store.audit.append(rows, chainHash);
      const q = (filter: Parameters<MetaStore['audit']['query']>[0]) => ctx.store.audit.query(filter, { limit: 100 }).then(seqs);
      assert.deepEqual(await q({}), [6, 5, 4, 3, 2, 1]);
      assert.deepEqual(await q({ from: 200, to: 500 }), [4, 3, 2]);
      assert.deepEqual(await q({ from: 600 }), [6]);
      assert.deepEqual(await q({ to: 100 }), []);
      assert.deepEqual(await q({ actorName: 'alice' }), [5, 3, 1]);
      assert.deepEqual(await q({ project: 'acme' }), [6, 4, 1]);
      assert.deepEqual(await q({ projects: ['beta', 'gamma'] }), [5, 2]);
      // A caller who may see no project sees nothing, not even project-less events.
      assert.deepEqual(await q({ projects: [] }), []);
      assert.deepEqual(await q({ action: 'registry.push' }), [6, 5, 1]);
      assert.deepEqual(await q({ result: 'failure' }), [6, 3]);
      assert.deepEqual(await q({ actorName: 'alice', action: 'registry.push', from: 200, projects: ['gamma', 'acme'] }), [5]);
      const [found] = await ctx.store.audit.query({ result: 'denied' }, { limit: 1 });
      assert.deepEqual(found && inputOf(found), rows[1]);
    });

    it('pages newest first or ascending by seq with afterSeq and limit', async () => {
      await ctx.store.audit.append(rows, chainHash);
      assert.deepEqual(seqs(await ctx.store.audit.query({}, { limit: 2 })), [6, 5]);
      assert.deepEqual(seqs(await ctx.store.audit.query({}, { limit: 2, afterSeq: 5 })), [4, 3]);
      assert.deepEqual(seqs(await ctx.store.audit.query({}, { limit: 2, afterSeq: 1 })), []);
      assert.deepEqual(seqs(await ctx.store.audit.query({}, { limit: 4, ascending: true })), [1, 2, 3, 4]);
      assert.deepEqual(seqs(await ctx.store.audit.query({}, { limit: 4, ascending: true, afterSeq: 4 })), [5, 6]);
      const pages: number[][] = [];
      for (let after: number | undefined, guard = 0; guard < 10; guard++) {
        const page = await ctx.store.audit.query({ actorName: 'alice' }, after === undefined ? { limit: 2 } : { limit: 2, afterSeq: after });
        if (page.length === 0) break;
        pages.push(seqs(page));
        after = page.at(-1)!.seq;
      }
      assert.deepEqual(pages, [[5, 3], [1]]);
    });
  });
}

function describeAlerts(ctx: StoreContext): void {
  describe('alerts', () => {
    it('record, list newest first with since / unacknowledged filters and a limit, acknowledge once', async () => {
      const a1 = await ctx.store.alerts.record({ at: 1000, rule: 'login-failures', principal: 'alice', detail: { count: 5, windowMinutes: 10 } });
      const a2 = await ctx.store.alerts.record({ at: 2000, rule: 'mass-delete', principal: 'robot$acme+ci', detail: { count: 50 } });
      const a3 = await ctx.store.alerts.record({ at: 3000, rule: 'login-failures', principal: 'bob', detail: {} });
      assert.deepEqual(a1, { id: a1.id, at: 1000, rule: 'login-failures', principal: 'alice', detail: { count: 5, windowMinutes: 10 }, acknowledgedAt: null, acknowledgedBy: null });
      assert.deepEqual(await ctx.store.alerts.list({}, { limit: 10 }), [a3, a2, a1]);
      assert.deepEqual(await ctx.store.alerts.list({}, { limit: 2 }), [a3, a2]);
      assert.deepEqual(await ctx.store.alerts.list({ since: 2000 }, { limit: 10 }), [a3, a2]);
      assert.equal(await ctx.store.alerts.acknowledge(a2.id, 'admin', 5000), true);
      // The first acknowledgement stands.
      assert.equal(await ctx.store.alerts.acknowledge(a2.id, 'someone-else', 6000), false);
      assert.equal(await ctx.store.alerts.acknowledge('00000000-0000-0000-0000-000000000000', 'admin', 5000), false);
      assert.deepEqual(await ctx.store.alerts.list({ unacknowledgedOnly: true }, { limit: 10 }), [a3, a1]);
      assert.deepEqual((await ctx.store.alerts.list({ since: 1500 }, { limit: 10 })).map((a) => [a.id, a.acknowledgedAt, a.acknowledgedBy]), [
        [a3.id, null, null],
        [a2.id, 5000, 'admin'],
      ]);
    });
  });
}

/** Audit events (hash chain, retention, queries) and alerts; part of the identity store contract. */
export function describeAuditContract(ctx: StoreContext): void {
  describeAuditChain(ctx);
  describeAuditQuery(ctx);
  describeAlerts(ctx);
}
