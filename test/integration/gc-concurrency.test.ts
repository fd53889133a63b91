import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GcReport } from '../../src/gc/gc.service.ts';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { pullAndVerify, pushLikeAClient, runGc, sleep, type PushedSpec } from '../helpers/gc-kit.ts';

const REPO = 'busy/app';
const IMAGES = 40;

/**
 * The concurrency test: a client pushes continuously (new images sharing base layers, each also
 * re-using the unique layer of an image untagged several pushes earlier, so its blob is exactly what GC is
 * about to sweep) while garbage collection runs again and again with the shortest grace period. Then
 * every image still tagged is pulled back and every digest checked. On each metadata dialect: PostgreSQL runs
 * transactions truly in parallel (a connection pool, where the row locks matter), SQLite one at a time.
 */
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`garbage collection under continuous pushes (${dialect})`, { timeout: 300_000 }, () => {
    let berth: TestBerth;
    let postgres: TestPostgres | undefined;
    before(async () => {
      postgres = dialect === 'postgres' ? await startTestPostgres() : undefined;
      const metadata = postgres ? { metadata: { driver: 'postgres', url: await postgres.createDatabase(), poolSize: 8 } } : {};
      berth = await startTestBerth({ gc: { grace: '1s' }, versions: { historyWindow: 0 }, ...metadata }, { open: true });
    }, { timeout: 180_000 });
    after(async () => {
      await berth?.stop();
      await postgres?.stop();
    });

    it('every image pushed while GC ran pulls back intact', async (t) => {
      const live = new Map<string, PushedSpec>();
      let isPushing = true;
      let retries = 0;
      const pusher = (async () => {
        try {
          for (let i = 0; i < IMAGES; i++) {
            const layers = [`base layer ${i % 3}`, `unique layer ${i}`];
            if (i >= 2) layers.push(`unique layer ${i - 2}`);
            // Untagged several pushes ago, so probably past the grace period: GC may be sweeping it right now.
            if (i >= 9) layers.push(`unique layer ${i - 9}`);
            const pushed = await pushLikeAClient(berth.url, REPO, { tag: `v${i}`, layers });
            retries += pushed.retries;
            live.set(`v${i}`, pushed.pushed);
            if (i >= 2 && i % 4 !== 0) {
              const res = await fetch(`${berth.url}/v2/${REPO}/manifests/v${i - 2}`, { method: 'DELETE' });
              assert.equal(res.status, 202);
              live.delete(`v${i - 2}`);
            }
            // Give GC time to get past the grace period of some of what was just untagged.
            if (i % 8 === 7) await sleep(1_100);
          }
        } finally {
          isPushing = false;
        }
      })();
      const reports: GcReport[] = [];
      const collector = (async () => {
        while (isPushing) {
          const report = await runGc(berth.url, false);
          if (report) reports.push(report);
          await sleep(20);
        }
      })();
      await Promise.all([pusher, collector]);

      assert.ok(reports.length > 0, 'GC ran during the pushes');
      for (const image of live.values()) await pullAndVerify(berth.url, REPO, image);

      // Once everything untagged is past the grace period, a final collection frees it and the rest still pulls.
      await sleep(1_300);
      const final = await runGc(berth.url, false);
      assert.ok(final);
      const freed = [...reports, final].reduce((n, r) => n + r.blobs, 0);
      assert.ok(freed > 0, 'the untagged images were collected');
      for (const image of live.values()) await pullAndVerify(berth.url, REPO, image);
      const after = await runGc(berth.url, true);
      assert.ok(after);
      assert.deepEqual([after.manifestLinks, after.blobs, after.orphanFiles], [0, 0, 0]);
      // Retries happen only when GC took a re-used blob between the client's HEAD and its manifest PUT.
      t.diagnostic(`${reports.length} collections during the pushes; ${retries} manifest puts answered MANIFEST_BLOB_UNKNOWN and were retried`);
    });
  });
}
