import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import type { AuditEvent } from '../meta/identity-store.ts';
import { chainHash } from './audit-hash.ts';
import { exportAuditJsonLines, readAuditJsonLines } from './audit-export.ts';
import { auditEvent, MemoryAuditRepo } from './audit-test-kit.ts';
import { verifyChain } from './audit-verify.ts';

async function repoWith(count: number): Promise<MemoryAuditRepo> {
  const repo = new MemoryAuditRepo();
  await repo.append(
    Array.from({ length: count }, (_, i) => auditEvent({ actorName: `user${i}`, at: Date.UTC(2030, 0, 1) + i, detail: i % 2 ? { n: i, z: null } : null })),
    chainHash,
  );
  return repo;
}

/** Yields the repo's events, counting how many were read and whether the iterator was closed. */
function tracked(events: AuditEvent[]) {
  const state = { pulled: 0, isClosed: false };
  async function* iterate(): AsyncIterable<AuditEvent> {
    try {
      for (const event of events) {
        state.pulled++;
        yield event;
      }
    } finally {
      state.isClosed = true;
    }
  }
  return { state, events: iterate() };
}

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('exportAuditJsonLines', () => {
  it('writes one JSON line per event, fields in a fixed order, and ends the stream', async () => {
    const repo = await repoWith(3);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const result = await exportAuditJsonLines(repo.scan(1, 2), out);
    assert.deepEqual(result, { exported: 3, lastSeq: 3 });
    assert.equal(out.writableEnded, true);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l) as AuditEvent), repo.events);
    const first = repo.events[0]!;
    assert.equal(
      lines[0],
      `{"seq":1,"at":${first.at},"actorKind":"user","actorName":"user0","sourceIp":"198.51.100.7","action":"registry.pull","project":"acme",` +
        `"repository":"acme/api","reference":"v1","digest":null,"result":"success","detail":null,"prevHash":"","hash":"${first.hash}"}`,
    );
  });

  it('round-trips through a file and verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-audit-'));
    try {
      const repo = await repoWith(50);
      const path = join(dir, 'audit.jsonl');
      assert.deepEqual(await exportAuditJsonLines(repo.scan(1, 7), createWriteStream(path)), { exported: 50, lastSeq: 50 });
      assert.equal((await readFile(path, 'utf8')).split('\n').length, 51);
      const verdict = await verifyChain(readAuditJsonLines(createReadStream(path)), '');
      assert.deepEqual(verdict, { ok: true, checked: 50, lastSeq: 50, lastHash: repo.events[49]!.hash });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads no further event while the destination is over its high-water mark', async () => {
    const repo = await repoWith(20);
    const { state, events } = tracked(repo.events);
    const received: string[] = [];
    let pendingCallback: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, done) {
        received.push(chunk.toString('utf8'));
        pendingCallback = () => done();
      },
    });
    const exporting = exportAuditJsonLines(events, slow);
    for (let written = 1; written <= 20; written++) {
      await ticks();
      assert.equal(state.pulled, written, `after ${written - 1} writes completed, only one more event was read`);
      assert.equal(received.length, written);
      const callback = pendingCallback!;
      pendingCallback = undefined;
      callback();
    }
    assert.deepEqual(await exporting, { exported: 20, lastSeq: 20 });
    assert.deepEqual(received.map((line) => JSON.parse(line) as AuditEvent), repo.events);
  });

  it('stops, closing the source, when the destination fails', async () => {
    const repo = await repoWith(100);
    const { state, events } = tracked(repo.events);
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _enc, done) {
        writes++;
        done(writes === 3 ? new Error('disk full') : null);
      },
    });
    await assert.rejects(exportAuditJsonLines(events, failing), /disk full/);
    assert.equal(state.isClosed, true);
    assert.ok(state.pulled < 100, 'the export stopped reading');
  });

  it('stops, closing the source, when the destination is closed early (a client went away)', async () => {
    const repo = await repoWith(100);
    const { state, events } = tracked(repo.events);
    const blocked = new Writable({ highWaterMark: 1, write() {} });
    const exporting = exportAuditJsonLines(events, blocked);
    await ticks();
    blocked.destroy();
    await assert.rejects(exporting, /closed before the export finished/);
    assert.equal(state.isClosed, true);
    assert.equal(state.pulled, 1);
  });

  it('stops on abort, also while waiting for drain', async () => {
    const repo = await repoWith(100);
    const { state, events } = tracked(repo.events);
    const controller = new AbortController();
    const blocked = new Writable({ highWaterMark: 1, write() {} });
    const exporting = exportAuditJsonLines(events, blocked, { signal: controller.signal });
    await ticks();
    controller.abort(new Error('export cancelled'));
    await assert.rejects(exporting, /export cancelled/);
    assert.equal(state.isClosed, true);
    assert.equal(state.pulled, 1);
  });

  it('leaves the destination open with end: false', async () => {
    const repo = await repoWith(2);
    const out = new PassThrough();
    out.resume();
    assert.deepEqual(await exportAuditJsonLines(repo.scan(1, 10), out, { end: false }), { exported: 2, lastSeq: 2 });
    assert.equal(out.writableEnded, false);
    assert.deepEqual(await exportAuditJsonLines(new MemoryAuditRepo().scan(1, 10), out), { exported: 0 });
    assert.equal(out.writableEnded, true);
  });
});

describe('readAuditJsonLines', () => {
  it('names the line that is not an audit event', async () => {
    const read = async (text: string) => {
      for await (const _ of readAuditJsonLines(Readable.from([text]))) void _;
    };
    const line = (await repoWith(1)).events[0]!;
    await assert.rejects(read(`${JSON.stringify(line)}\n\n{oops\n`), (err) => isBerthError(err, 'BAD_REQUEST') && err.detail?.line === 3);
    await assert.rejects(read(`${JSON.stringify({ ...line, hash: 1 })}\n`), (err) => isBerthError(err, 'BAD_REQUEST') && err.detail?.line === 1);
  });
});
