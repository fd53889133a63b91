import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, beforeEach, describe, it } from 'node:test';
import { digestHex } from '../../oci/digest.ts';
import { collect, describeBlobDriver, HOSTILE_UPLOAD_IDS, storeBlob } from '../blob-driver.contract.ts';
import { FsBlobDriver } from './fs.driver.ts';

const base = await mkdtemp(join(tmpdir(), 'berth-fs-driver-'));
after(() => rm(base, { recursive: true, force: true }));

/** Each driver gets its root one level down, so anything written beside the root shows up in `base`. */
async function freshRoot(): Promise<string> {
  return mkdtemp(join(await mkdtemp(join(base, 'case-')), 'root-'));
}

describeBlobDriver('filesystem', async () => FsBlobDriver.open({ root: await freshRoot() }));

/** Every file below `dir`, relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('filesystem blob driver', () => {
  let root: string;
  let driver: FsBlobDriver;
  beforeEach(async () => {
    root = await freshRoot();
    driver = await FsBlobDriver.open({ root });
  });

  it('keeps the bytes that arrived before the source failed; the client can resume from there', async () => {
    const id = randomUUID();
    await driver.createUpload(id);
    const chunks = [Buffer.alloc(64 * 1024, 'a'), Buffer.alloc(64 * 1024, 'b'), Buffer.alloc(1000, 'c')];
    const source = Readable.from((async function* () {
      yield* chunks;
      throw new Error('client went away');
    })());
    await assert.rejects(driver.appendUpload(id, 0, source), /client went away/);
    const arrived = Buffer.concat(chunks);
    assert.equal(await driver.uploadSize(id), arrived.length);
    assert.deepEqual(await buffer(await driver.readUpload(id)), arrived);
    assert.equal(await driver.appendUpload(id, arrived.length, Readable.from([Buffer.from('rest')])), arrived.length + 4);
  });

  it('lays blobs out as blobs/<algorithm>/<two hex>/<hex> and leaves no upload file after commit', async () => {
    const digest = await storeBlob(driver, Buffer.from('on disk'));
    const again = await storeBlob(driver, Buffer.from('on disk'));
    assert.equal(again, digest);
    const hex = digestHex(digest);
    assert.deepEqual(await filesBelow(root), [join('blobs', 'sha256', hex.slice(0, 2), hex)]);
    assert.equal(await readFile(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex), 'utf8'), 'on disk');
  });

  it('refuses path-like upload ids without creating or removing any file', async () => {
    await storeBlob(driver, Buffer.from('precious'));
    const parent = join(root, '..');
    const before = await filesBelow(parent);
    for (const id of HOSTILE_UPLOAD_IDS) {
      await driver.createUpload(id).catch(() => undefined);
      await driver.deleteUpload(id).catch(() => undefined);
    }
    assert.deepEqual(await filesBelow(parent), before);
  });

  it('ignores stray files in its folders when listing', async () => {
    const digest = await storeBlob(driver, Buffer.from('real'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(root, 'uploads', 'not-an-upload.tmp'), 'x');
    await writeFile(join(root, 'blobs', 'sha256', digestHex(digest).slice(0, 2), 'short'), 'x');
    assert.deepEqual(await collect(driver.list()), [digest]);
    assert.deepEqual(await driver.listUploads(), []);
  });

  it('ping fails when its folders are gone', async () => {
    await driver.ping();
    await rm(join(root, 'uploads'), { recursive: true });
    await assert.rejects(driver.ping());
  });
});
