import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBucketServer, type BucketServer } from './osv-bucket-server.ts';
import { syncEcosystem } from './osv-sync.ts';
import { openTestVulnDb, osvRecord, zipFiles, type RecordSpec, type TestVulnDb } from './osv-test-kit.ts';

describe('vulndb sync from an OSV bucket', () => {
  let db: TestVulnDb;
  let bucket: BucketServer;
  let root: string;
  const eco = 'Rocky Linux';
  const put = async (spec: RecordSpec) => writeFile(join(root, eco, `${spec.id}.json`), JSON.stringify(osvRecord(spec)));
  const csv = async (lines: string[]) => writeFile(join(root, eco, 'modified_id.csv'), lines.map((l) => `${l}\n`).join(''));

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-bucket-'));
    await mkdir(join(root, eco));
    db = await openTestVulnDb();
    bucket = await startBucketServer(root);
  });
  after(async () => {
    await bucket?.close();
    await db?.close();
  });

  it('first sync downloads all.zip; later ones fetch only the records modified since; withdrawn ones are kept as withdrawn', async () => {
    const base = { ecosystem: 'Rocky Linux:9', name: 'openssl' };
    await put({ ...base, id: 'RLSA-1', fixed: '1:3.0.7-1.el9', modified: '2025-01-01T00:00:00Z' });
    await put({ ...base, id: 'RLSA-2', fixed: '1:3.0.7-2.el9', modified: '2025-01-02T00:00:00Z' });
    await put({ ...base, id: 'RLSA-3', fixed: '1:3.0.7-3.el9', modified: '2025-01-03T00:00:00Z' });
    zipFiles(join(root, eco, 'all.zip'), join(root, eco), ['RLSA-1.json', 'RLSA-2.json', 'RLSA-3.json']);
    await csv(['2025-01-03T00:00:00Z,RLSA-3', '2025-01-02T00:00:00Z,RLSA-2', '2025-01-01T00:00:00Z,RLSA-1']);

    const deps = { vulndb: db.vulndb, baseUrl: `${bucket.url}/` };
    const first = await syncEcosystem(deps, 'Rocky Linux');
    assert.equal(first.mode, 'full');
    assert.equal(first.added, 3);
    assert.deepEqual(bucket.requests, ['/Rocky Linux/all.zip']);
    assert.equal(first.sources[0]!.modifiedWatermark, '2025-01-03T00:00:00Z');
    assert.equal(typeof first.sources[0]!.lastSyncAt, 'number');

    // RLSA-2 changes, RLSA-4 is new, RLSA-1 is withdrawn: the listing is newest first.
    await put({ ...base, id: 'RLSA-2', fixed: '1:3.0.7-9.el9', modified: '2025-02-01T00:00:00Z' });
    await put({ ...base, id: 'RLSA-4', fixed: '1:3.0.8-1.el9', modified: '2025-02-02T00:00:00Z' });
    await put({ ...base, id: 'RLSA-1', fixed: '1:3.0.7-1.el9', modified: '2025-02-03T00:00:00Z', withdrawn: '2025-02-03T00:00:00Z' });
    await csv(['2025-02-03T00:00:00Z,RLSA-1', '2025-02-02T00:00:00Z,RLSA-4', '2025-02-01T00:00:00Z,RLSA-2', '2025-01-03T00:00:00Z,RLSA-3', 'garbage line']);
    bucket.requests.length = 0;
    const second = await syncEcosystem(deps, 'Rocky Linux');
    assert.equal(second.mode, 'incremental');
    assert.deepEqual(bucket.requests.sort(), ['/Rocky Linux/RLSA-1.json', '/Rocky Linux/RLSA-2.json', '/Rocky Linux/RLSA-4.json', '/Rocky Linux/modified_id.csv']);
    assert.deepEqual({ fetched: second.fetched, added: second.added, updated: second.updated }, { fetched: 3, added: 1, updated: 2 });
    assert.notEqual(second.revision, first.revision);
    assert.deepEqual([second.sources[0]!.recordCount, second.sources[0]!.withdrawnCount, second.sources[0]!.modifiedWatermark], [4, 1, '2025-02-03T00:00:00Z']);
    const stored = JSON.parse((await db.store.vulndb.get('RLSA-2'))!.recordJson);
    assert.equal(stored.affected[0].ranges[0].events[1].fixed, '1:3.0.7-9.el9');

    bucket.requests.length = 0;
    const third = await syncEcosystem(deps, 'Rocky Linux');
    assert.deepEqual(bucket.requests, ['/Rocky Linux/modified_id.csv']);
    assert.deepEqual({ fetched: third.fetched, added: third.added, updated: third.updated }, { fetched: 0, added: 0, updated: 0 });
    assert.equal(third.revision, second.revision);
  });

  it('an unreachable bucket or a missing archive is an error naming the URL', async () => {
    await assert.rejects(syncEcosystem({ vulndb: db.vulndb, baseUrl: bucket.url }, 'PyPI'), (err: Error) => err.message.includes('/PyPI/all.zip answered 404'));
  });
});
