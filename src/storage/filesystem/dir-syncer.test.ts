import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DirSyncer } from './dir-syncer.ts';

const base = await mkdtemp(join(tmpdir(), 'berth-dir-syncer-'));
after(() => rm(base, { recursive: true, force: true }));

describe('DirSyncer', () => {
  it('syncs many folders, concurrent callers of one folder all resolve, and it keeps working after close', async () => {
    const syncer = new DirSyncer();
    const dirs = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const dir = join(base, `d${i}`);
      await mkdir(dir);
      return dir;
    }));
    // 64 concurrent calls over 8 folders: each resolves (shared fsyncs), none is left waiting.
    await Promise.all(Array.from({ length: 64 }, async (_, i) => {
      await writeFile(join(dirs[i % 8]!, `f${i}`), 'x');
      await syncer.sync(dirs[i % 8]!);
    }));
    await syncer.close();
    await syncer.close();
    await syncer.sync(dirs[0]!);
  });

  it('rejects for a folder that does not exist, and every concurrent caller sees the failure', async () => {
    const syncer = new DirSyncer();
    const missing = join(base, 'missing');
    const results = await Promise.allSettled([syncer.sync(missing), syncer.sync(missing), syncer.sync(missing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.equal((results[0] as PromiseRejectedResult).reason.code, 'ENOENT');
    // The failed folder is not cached: once it exists, syncing it works.
    await mkdir(missing);
    await syncer.sync(missing);
    await syncer.close();
  });
});
