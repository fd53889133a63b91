import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { pullAndVerify, pushLikeAClient, runGc, sleep, type PushedSpec } from '../../helpers/gc-kit.ts';

const REPO = 'crash/app';
/** Kill delays after the collection starts: early (marking), and later (sweeping). */
const KILL_AFTER_MS = [5, 30, 80, 200];

/**
 * Reads the store of a stopped Berth: every blob a linked manifest uses must be linked into that repository,
 * recorded, and on disk with the right bytes; every tag must name a linked manifest.
 */
async function assertNothingDangles(dataDir: string): Promise<number> {
  const db = new Database(join(dataDir, 'berth.db'));
  try {
    const uses = db.prepare(`
      select rm.repository, r.manifest, r.target, rb.digest as linked, b.digest as recorded
      from repository_manifests rm
      join manifest_references r on r.manifest = rm.digest and r.kind = 'blob'
      left join repository_blobs rb on rb.repository = rm.repository and rb.digest = r.target
      left join blobs b on b.digest = r.target`).all() as Array<{ repository: string; manifest: string; target: string; linked: string | null; recorded: string | null }>;
    for (const u of uses) {
      assert.ok(u.linked, `${u.repository}@${u.manifest} uses ${u.target}, which is not linked`);
      assert.ok(u.recorded, `${u.repository}@${u.manifest} uses ${u.target}, which has no blob row`);
      const hex = u.target.slice('sha256:'.length);
      const bytes = await readFile(join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex)).catch(() => undefined);
      assert.ok(bytes, `${u.repository}@${u.manifest} uses ${u.target}, whose file is missing`);
      assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, u.target);
    }
    const dangling = db.prepare(`
      select t.repository, t.name from tags t
      left join repository_manifests rm on rm.repository = t.repository and rm.digest = t.digest
      where rm.digest is null`).all();
    assert.deepEqual(dangling, [], 'tags naming a manifest no longer linked');
    return uses.length;
  } finally {
    db.close();
  }
}

describe('kill -9 during garbage collection', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerthProcess({ config: { gc: { grace: '1s' }, versions: { historyWindow: 0 } } });
  });
  after(() => berth?.stop());

  it('leaves no manifest pointing at a missing blob, and the next run finishes the job', async () => {
    const kept = new Map<string, PushedSpec>();
    let n = 0;
    for (const delay of KILL_AFTER_MS) {
      // A batch of images sharing layers; most are untagged again, so the collection has work to do.
      for (let i = 0; i < 8; i++, n++) {
        const pushed = (await pushLikeAClient(berth.url, REPO, { tag: `v${n}`, layers: [`base ${n % 2}`, `own ${n}`, `pair ${Math.floor(n / 2)}`] })).pushed;
        kept.set(pushed.tag, pushed);
        if (i % 4 !== 0) {
          const res = await fetch(`${berth.url}/v2/${REPO}/manifests/v${n}`, { method: 'DELETE' });
          assert.equal(res.status, 202);
          kept.delete(pushed.tag);
        }
      }
      await sleep(1_300);
      const collecting = runGc(berth.url, false).catch(() => undefined);
      await sleep(delay);
      await berth.kill('SIGKILL');
      await collecting;
      assert.ok((await assertNothingDangles(berth.dataDir)) > 0, 'the store still holds images');
      await berth.restart();
    }
    // The killed run's lease names a dead process of this host: the restarted server takes it over at once.
    const report = await runGc(berth.url, false);
    assert.ok(report, 'the lease of the killed run does not block the next one');
    for (const image of kept.values()) await pullAndVerify(berth.url, REPO, image);
    const again = await runGc(berth.url, true);
    assert.ok(again);
    assert.deepEqual([again.manifestLinks, again.blobLinks, again.manifests, again.blobs, again.orphanFiles], [0, 0, 0, 0, 0], 'nothing left over');
    await berth.kill('SIGKILL');
    await assertNothingDangles(berth.dataDir);
  });
});
