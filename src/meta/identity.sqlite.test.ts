import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { raceProcesses } from '../../test/helpers/process-race.ts';
import { sqliteDialect } from './dialects/sqlite.dialect.ts';
import { assertChain, scanAll } from './identity-store.contract-audit.ts';
import { describeIdentityStore } from './identity-store.contract.ts';
import type { AuditEvent } from './identity-store.ts';
import { openMetaStore } from './meta-store.ts';
import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';

const { root, make } = await sqliteStores('berth-identity-sqlite-');

describeIdentityStore('sqlite', make);

/**
 * For raceProcesses: opens the store on `path`, then, released, appends `total` audit events in concurrent
 * batches named after `tag`; prints "ok" or the error.
 */
const CHILD = `
import { createInterface } from 'node:readline';
const { openMetaStore } = await import(${JSON.stringify(new URL('./meta-store.ts', import.meta.url).href)});
const { sqliteDialect } = await import(${JSON.stringify(new URL('./dialects/sqlite.dialect.ts', import.meta.url).href)});
const { auditBatches, chainHash } = await import(${JSON.stringify(new URL('./identity-store.contract-audit.ts', import.meta.url).href)});
const [path, tag, total] = process.argv.slice(1);
const store = await openMetaStore(sqliteDialect({ path }));
console.log('ready');
for await (const _ of createInterface({ input: process.stdin })) break;
try {
  await Promise.all(auditBatches(Number(total), tag).map((b) => store.audit.append(b, chainHash)));
  console.log('ok');
} catch (err) {
  console.log('error: ' + err.message);
} finally {
  await store.close();
}
`;

describe('sqlite audit chain across processes', () => {
  it('four processes appending 250 events each at once leave one unbroken chain, every batch whole', { timeout: 180_000 }, async () => {
    const path = join(root, 'audit-race', 'berth.db');
    // Migrate first, so the children race on appends rather than on creating the schema.
    await (await openMetaStore(sqliteDialect({ path }))).close();
    const outcomes = await raceProcesses(CHILD, ['p0', 'p1', 'p2', 'p3'].map((tag) => [path, tag, '250']));
    assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok']);

    const store = await openMetaStore(sqliteDialect({ path }));
    try {
      const chain = await scanAll(store, 1, 400);
      assert.equal(chain.length, 1000);
      assertChain(chain, '', 1);
      // Each batch (one actor name) occupies one run of seqs, its events in the order given.
      const byActor = new Map<string, AuditEvent[]>();
      for (const e of chain) byActor.set(e.actorName, [...(byActor.get(e.actorName) ?? []), e]);
      assert.equal(byActor.size, 4 * 4);
      for (const [actor, events] of byActor) {
        assert.deepEqual(events.map((e) => e.seq - events[0]!.seq), events.map((_, i) => i), actor);
        assert.deepEqual(events.map((e) => e.detail?.i), events.map((_, i) => i), actor);
      }
    } finally {
      await store.close();
    }
  });
});
