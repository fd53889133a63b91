import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOsvPath } from './osv-files.reader.ts';
import { openTestVulnDb, osvRecord, zipFiles, type TestVulnDb } from './osv-test-kit.ts';

describe('vulndb import', () => {
  let db: TestVulnDb;
  let dir: string;
  before(async () => {
    db = await openTestVulnDb();
    dir = await mkdtemp(join(tmpdir(), 'berth-osv-files-'));
  });
  after(() => db?.close());

  it('imports a directory tree of record files, arrays and zips, reporting what it could not read', async () => {
    await mkdir(join(dir, 'tree/npm'), { recursive: true });
    await mkdir(join(dir, 'zipped'), { recursive: true });
    await writeFile(join(dir, 'tree/npm/GHSA-aaaa.json'), JSON.stringify(osvRecord({ id: 'GHSA-aaaa', ecosystem: 'npm', name: 'lodash', fixed: '4.17.21' })));
    await writeFile(join(dir, 'tree/npm/both.json'), JSON.stringify([
      osvRecord({ id: 'GHSA-bbbb', ecosystem: 'npm', name: 'minimist', fixed: '1.2.6' }),
      osvRecord({ id: 'GHSA-cccc', ecosystem: 'npm', name: 'qs', fixed: '6.10.3', withdrawn: '2025-02-01T00:00:00Z' }),
    ]));
    await writeFile(join(dir, 'tree/npm/broken.json'), '{"id": ');
    await writeFile(join(dir, 'tree/npm/not-osv.json'), JSON.stringify({ id: 'X-1' }));
    await writeFile(join(dir, 'tree/npm/README.txt'), 'ignored');
    for (let i = 0; i < 3; i++) await writeFile(join(dir, 'zipped', `DSA-${i}.json`), JSON.stringify(osvRecord({ id: `DSA-${i}`, ecosystem: 'Debian:12', name: 'openssl', fixed: `3.0.${i}-1` })));
    zipFiles(join(dir, 'tree/all.zip'), join(dir, 'zipped'), ['DSA-0.json', 'DSA-1.json', 'DSA-2.json']);

    const before = await db.vulndb.revision();
    const result = await db.vulndb.import(readOsvPath(join(dir, 'tree')));
    assert.equal(result.read, 8);
    assert.deepEqual({ added: result.added, updated: result.updated, unchanged: result.unchanged, invalid: result.invalid }, { added: 6, updated: 0, unchanged: 0, invalid: 2 });
    assert.deepEqual(result.problems.map((p) => p.name.split('/').pop()), ['broken.json', 'not-osv.json']);
    assert.match(result.problems[0]!.error, /not JSON/);
    assert.match(result.problems[1]!.error, /modified/);
    assert.notEqual(result.revision, before);
    const status = await db.vulndb.status();
    assert.deepEqual(status.sources.map((s) => [s.name, s.recordCount, s.withdrawnCount, s.modifiedWatermark, s.lastSyncAt]), [
      ['Debian', 3, 0, '2025-01-01T00:00:00Z', null],
      ['npm', 3, 1, '2025-01-01T00:00:00Z', null],
    ]);
    assert.ok(status.sources.every((s) => typeof s.lastImportAt === 'number'));
    assert.deepEqual(status.totals, { records: 6, withdrawn: 1 });
    assert.equal(status.revision, result.revision);
  });

  it('a second import of the same data changes nothing and keeps the revision; a newer record moves it', async () => {
    let heard: string[] = [];
    const stop = db.vulndb.onChange((r) => heard.push(r));
    const same = await db.vulndb.import(readOsvPath(join(dir, 'tree/all.zip')));
    assert.deepEqual({ added: same.added, updated: same.updated, unchanged: same.unchanged }, { added: 0, updated: 0, unchanged: 3 });
    assert.deepEqual(heard, []);
    const revision = await db.vulndb.revision();
    assert.equal(same.revision, revision);

    await writeFile(join(dir, 'DSA-1.json'), JSON.stringify(osvRecord({ id: 'DSA-1', ecosystem: 'Debian:12', name: 'openssl', fixed: '3.0.9-1', modified: '2025-03-01T00:00:00Z' })));
    const newer = await db.vulndb.import(readOsvPath(join(dir, 'DSA-1.json')));
    assert.equal(newer.updated, 1);
    assert.notEqual(newer.revision, revision);
    assert.deepEqual(heard, [newer.revision]);
    assert.equal(newer.sources[0]!.modifiedWatermark, '2025-03-01T00:00:00Z');
    stop();
    heard = [];
  });

  it('reads a zip entry by entry and refuses an entry over the size limit without stopping', async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    await writeFile(join(big, 'A-1.json'), JSON.stringify(osvRecord({ id: 'A-1', ecosystem: 'PyPI', name: 'Django', fixed: '4.2.1' })));
    await writeFile(join(big, 'B-huge.json'), JSON.stringify({ ...osvRecord({ id: 'B-huge', ecosystem: 'PyPI', name: 'x', fixed: '1' }), details: 'x'.repeat(200_000) }));
    zipFiles(join(dir, 'big.zip'), big, ['A-1.json', 'B-huge.json']);
    const items = [];
    for await (const item of readOsvPath(join(dir, 'big.zip'), { maxEntryBytes: 100_000 })) items.push(item);
    assert.equal(items.length, 2);
    assert.equal((items[0] as { json: { id: string } }).json.id, 'A-1');
    assert.match((items[1] as { error: string }).error, /larger than 100000 bytes/);
  });
});
