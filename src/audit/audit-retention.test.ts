import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sqliteDialect } from '../meta/dialects/sqlite.dialect.ts';
import { openMetaStore } from '../meta/meta-store.ts';
import { scheduleAuditRetention } from './audit-retention.ts';
import { auditEvent, capturingLogger, until } from './audit-test-kit.ts';
import { verifyChain } from './audit-verify.ts';
import { AuditWriter } from './audit-writer.ts';

const root = await mkdtemp(join(tmpdir(), 'berth-audit-retention-'));
after(() => rm(root, { recursive: true, force: true }));
const DAY = 86_400_000;
const NOW = Date.UTC(2031, 5, 1);

describe('audit retention schedule', () => {
  it('deletes events older than the retention at start and on each sweep, logs it, and the chain still verifies', async () => {
    const store = await openMetaStore(sqliteDialect({ path: join(root, 'berth.db') }));
    const { log, lines } = capturingLogger();
    const writer = new AuditWriter({ repo: store.audit, log });
    // 10 events a day apart, the newest today.
    for (let i = 9; i >= 0; i--) writer.record(auditEvent({ actorName: `user${i}`, at: NOW - i * DAY }));
    await writer.close();

    let now = NOW;
    const retention = scheduleAuditRetention({ audit: store.audit, retentionMs: 3 * DAY + 1, now: () => now, log });
    await until(() => lines.some((l) => l.msg === 'audit retention: deleted old events'));
    const first = lines.find((l) => l.msg === 'audit retention: deleted old events')!;
    assert.equal(first.deleted, 6, 'the six events 4..9 days old go at start');
    const kept = await store.audit.query({}, { limit: 100, ascending: true });
    assert.deepEqual(kept.map((e) => e.actorName), ['user3', 'user2', 'user1', 'user0']);
    const verdict = await verifyChain(store.audit.scan(0, 10), await store.audit.anchor());
    assert.deepEqual([verdict.ok, verdict.checked], [true, 4]);

    now = NOW + DAY;
    assert.equal(await retention.sweep(), 1);
    assert.equal(await retention.sweep(), 0, 'nothing more is old enough');
    await retention.stop();
    assert.equal(await retention.sweep(), 0, 'a stopped schedule does nothing');
    assert.equal((await store.audit.query({}, { limit: 100 })).length, 3);
    await store.close();
  });

  it('logs a failed sweep at error and keeps going', async () => {
    const { log, lines } = capturingLogger();
    let calls = 0;
    const retention = scheduleAuditRetention({
      audit: { deleteBefore: async () => { calls++; throw new Error('database is unavailable'); } },
      retentionMs: DAY,
      now: () => NOW,
      log,
    });
    assert.equal(await retention.sweep(), 0);
    await retention.stop();
    assert.ok(calls >= 1);
    assert.ok(lines.some((l) => l.msg === 'audit retention sweep failed' && l.level === 50));
  });
});
