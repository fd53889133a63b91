/**
 * The audit pieces over the real metadata store on a SQLite file: the writer's batches land as one chain that
 * verifies, survives a reopen and retention, and a row edited behind Berth's back is caught.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteDialect } from '../meta/dialects/sqlite.dialect.ts';
import { openMetaStore } from '../meta/meta-store.ts';
import { exportAuditJsonLines, readAuditJsonLines } from './audit-export.ts';
import { auditEvent, capturingLogger } from './audit-test-kit.ts';
import { verifyChain } from './audit-verify.ts';
import { AuditWriter } from './audit-writer.ts';

const root = await mkdtemp(join(tmpdir(), 'berth-audit-sqlite-'));
after(() => rm(root, { recursive: true, force: true }));
const T0 = Date.UTC(2030, 0, 1);

describe('audit chain on SQLite', () => {
  it('writes batches as one verifiable chain, across a reopen and retention, and catches an edited row', async () => {
    const path = join(root, 'berth.db');
    const { log } = capturingLogger();
    let store = await openMetaStore(sqliteDialect({ path }));
    let writer = new AuditWriter({ repo: store.audit, log }, { batchSize: 16 });
    for (let i = 0; i < 100; i++) {
      writer.record(auditEvent({ actorName: `user${i % 7}`, at: T0 + i * 1000, detail: i % 3 ? { n: i, when: new Date(T0), tags: ['a', 'b'] } : null }));
    }
    await writer.close();
    await store.close();

    store = await openMetaStore(sqliteDialect({ path }));
    writer = new AuditWriter({ repo: store.audit, log }, { batchSize: 16 });
    for (let i = 100; i < 120; i++) writer.record(auditEvent({ action: 'registry.delete', at: T0 + i * 1000 }));
    await writer.close();

    const full = await verifyChain(store.audit.scan(1, 33), await store.audit.anchor());
    assert.equal(full.ok, true, full.reason);
    assert.equal(full.checked, 120);
    assert.equal(full.lastSeq, 120);

    assert.equal(await store.audit.deleteBefore(T0 + 30_000), 30);
    const kept = await verifyChain(store.audit.scan(1, 33), await store.audit.anchor(), { checkpoint: { seq: full.lastSeq!, hash: full.lastHash! } });
    assert.deepEqual([kept.ok, kept.checked, kept.lastSeq], [true, 90, 120]);

    const out = new PassThrough();
    const exported = exportAuditJsonLines(store.audit.scan(1, 33), out);
    const reread = await verifyChain(readAuditJsonLines(out), await store.audit.anchor());
    assert.deepEqual(await exported, { exported: 90, lastSeq: 120 });
    assert.deepEqual([reread.ok, reread.checked], [true, 90]);
    await store.close();

    const db = new Database(path);
    db.prepare('update audit_events set actor_name = ? where seq = ?').run('mallory', 57);
    db.close();
    store = await openMetaStore(sqliteDialect({ path }));
    const tampered = await verifyChain(store.audit.scan(1, 33), await store.audit.anchor());
    assert.deepEqual([tampered.ok, tampered.firstBadSeq, tampered.problem, tampered.checked], [false, 57, 'hash-mismatch', 26]);
    await store.close();
  });
});
