import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { beforeEach, describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import type { ErrorCode } from '../errors/catalogue.ts';
import { digestOf, type Digest } from '../oci/digest.ts';
import type { BlobDriver } from './blob-driver.ts';

export type MakeBlobDriver = () => Promise<BlobDriver>;

/** Ids a client could put in an upload URL to reach outside the upload area. */
export const HOSTILE_UPLOAD_IDS = ['../x', '../../etc/passwd', 'a/../../x', '..', '.', '', 'x/y', `${randomUUID()}/../../x`, '%2e%2e%2fx'];

export function isCode(code: ErrorCode): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(isBerthError(err, code), `expected BerthError ${code}, got ${String(err)}`);
    return true;
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Uploads `bytes` in one append and commits them; returns the digest. */
export async function storeBlob(driver: BlobDriver, bytes: Buffer): Promise<Digest> {
  const id = randomUUID();
  await driver.createUpload(id);
  await driver.appendUpload(id, 0, Readable.from([bytes]));
  const digest = digestOf(bytes);
  await driver.commitUpload(id, digest);
  return digest;
}

/** The contract every blob driver must pass; each test gets a fresh, empty driver. */
export function describeBlobDriver(name: string, makeDriver: MakeBlobDriver): void {
  describe(`${name} blob driver contract`, () => {
    let driver: BlobDriver;
    beforeEach(async () => {
      driver = await makeDriver();
    });

    describe('uploads', () => {
      it('a new upload is empty and listed', async () => {
        const id = randomUUID();
        await driver.createUpload(id);
        assert.equal(await driver.uploadSize(id), 0);
        assert.equal((await buffer(await driver.readUpload(id))).length, 0);
        const areas = await driver.listUploads();
        assert.deepEqual(areas.map((a) => a.id), [id]);
        assert.ok(Number.isFinite(areas[0]!.modifiedAt) && areas[0]!.modifiedAt > 0);
      });

      it('append with `create` makes the area with its first bytes; on an existing area it throws and keeps it', async () => {
        const id = randomUUID();
        assert.equal(await driver.appendUpload(id, 0, Readable.from([Buffer.from('first')]), { create: true }), 5);
        assert.equal(await driver.uploadSize(id), 5);
        assert.deepEqual((await driver.listUploads()).map((a) => a.id), [id]);
        await assert.rejects(driver.appendUpload(id, 0, Readable.from([Buffer.from('again')]), { create: true }));
        assert.equal(await driver.appendUpload(id, 5, Readable.from([Buffer.from(' second')])), 12);
        assert.equal((await buffer(await driver.readUpload(id))).toString(), 'first second');
      });

      it('append with `create` at a non-zero offset is RANGE_INVALID and creates nothing', async () => {
        const id = randomUUID();
        await assert.rejects(driver.appendUpload(id, 3, Readable.from([Buffer.from('x')]), { create: true }), isCode('RANGE_INVALID'));
        await assert.rejects(driver.uploadSize(id), isCode('BLOB_UPLOAD_UNKNOWN'));
        assert.deepEqual(await driver.listUploads(), []);
      });

      it('creating an upload whose id exists already throws', async () => {
        const id = randomUUID();
        await driver.createUpload(id);
        await driver.appendUpload(id, 0, Readable.from([Buffer.from('keep')]));
        await assert.rejects(driver.createUpload(id));
        assert.equal((await buffer(await driver.readUpload(id))).toString(), 'keep');
      });

      it('appends accumulate in order and report the new size', async () => {
        const id = randomUUID();
        await driver.createUpload(id);
        assert.equal(await driver.appendUpload(id, 0, Readable.from([Buffer.from('hello ')])), 6);
        assert.equal(await driver.appendUpload(id, 6, Readable.from([Buffer.from('wor'), Buffer.from('ld')])), 11);
        assert.equal(await driver.appendUpload(id, 11, Readable.from([])), 11);
        assert.equal(await driver.uploadSize(id), 11);
        assert.equal((await buffer(await driver.readUpload(id))).toString(), 'hello world');
      });

      it('an append at any offset but the current size throws RANGE_INVALID and writes nothing', async () => {
        const id = randomUUID();
        await driver.createUpload(id);
        await driver.appendUpload(id, 0, Readable.from([Buffer.from('abc')]));
        for (const offset of [0, 2, 4, 100]) {
          await assert.rejects(driver.appendUpload(id, offset, Readable.from([Buffer.from('XYZ')])), isCode('RANGE_INVALID'), `offset ${offset}`);
        }
        assert.equal((await buffer(await driver.readUpload(id))).toString(), 'abc');
      });

      it('a multi-megabyte stream is stored byte for byte', async () => {
        const chunks = Array.from({ length: 40 }, () => randomBytes(100_003));
        const whole = Buffer.concat(chunks);
        const id = randomUUID();
        await driver.createUpload(id);
        assert.equal(await driver.appendUpload(id, 0, Readable.from(chunks.slice(0, 25))), 25 * 100_003);
        assert.equal(await driver.appendUpload(id, 25 * 100_003, Readable.from(chunks.slice(25))), whole.length);
        await driver.commitUpload(id, digestOf(whole));
        assert.equal(digestOf(await buffer(await driver.open(digestOf(whole)))), digestOf(whole));
      });

      it('deleteUpload removes the area and is idempotent', async () => {
        const id = randomUUID();
        await driver.createUpload(id);
        await driver.deleteUpload(id);
        await driver.deleteUpload(id);
        await driver.deleteUpload(randomUUID());
        await assert.rejects(driver.uploadSize(id), isCode('BLOB_UPLOAD_UNKNOWN'));
        assert.deepEqual(await driver.listUploads(), []);
      });

      it('every upload operation on an unknown id throws BLOB_UPLOAD_UNKNOWN', async () => {
        const id = randomUUID();
        await assert.rejects(driver.uploadSize(id), isCode('BLOB_UPLOAD_UNKNOWN'));
        await assert.rejects(driver.readUpload(id), isCode('BLOB_UPLOAD_UNKNOWN'));
        await assert.rejects(driver.appendUpload(id, 0, Readable.from([Buffer.from('x')])), isCode('BLOB_UPLOAD_UNKNOWN'));
        await assert.rejects(driver.commitUpload(id, digestOf(Buffer.from('x'))), isCode('BLOB_UPLOAD_UNKNOWN'));
        await assert.rejects(driver.stat(digestOf(Buffer.from('x'))), isCode('BLOB_UNKNOWN'));
      });

      it('an upload id that names a path is refused and nothing outside the upload area changes', async () => {
        const digest = await storeBlob(driver, Buffer.from('precious'));
        for (const id of HOSTILE_UPLOAD_IDS) {
          await assert.rejects(driver.createUpload(id), isCode('BLOB_UPLOAD_UNKNOWN'), `create ${id}`);
          await assert.rejects(driver.appendUpload(id, 0, Readable.from([Buffer.from('x')])), isCode('BLOB_UPLOAD_UNKNOWN'), `append ${id}`);
          await assert.rejects(driver.uploadSize(id), isCode('BLOB_UPLOAD_UNKNOWN'), `size ${id}`);
          await assert.rejects(driver.readUpload(id), isCode('BLOB_UPLOAD_UNKNOWN'), `read ${id}`);
          await assert.rejects(driver.commitUpload(id, digest), isCode('BLOB_UPLOAD_UNKNOWN'), `commit ${id}`);
          await driver.deleteUpload(id).catch(() => undefined);
        }
        await driver.deleteUpload(`../blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}`).catch(() => undefined);
        assert.equal((await buffer(await driver.open(digest))).toString(), 'precious');
        assert.deepEqual(await collect(driver.list()), [digest]);
        assert.deepEqual(await driver.listUploads(), []);
      });
    });

    describe('blobs', () => {
      it('commit makes the bytes readable under the digest and removes the upload', async () => {
        const bytes = Buffer.from('layer content');
        const id = randomUUID();
        await driver.createUpload(id);
        await driver.appendUpload(id, 0, Readable.from([bytes]));
        await driver.commitUpload(id, digestOf(bytes));
        assert.deepEqual(await driver.stat(digestOf(bytes)), { sizeBytes: bytes.length });
        assert.deepEqual(await buffer(await driver.open(digestOf(bytes))), bytes);
        await assert.rejects(driver.uploadSize(id), isCode('BLOB_UPLOAD_UNKNOWN'));
        assert.deepEqual(await driver.listUploads(), []);
      });

      it('committing content that exists already is a no-op that keeps one blob', async () => {
        const bytes = Buffer.from('same bytes');
        const first = await storeBlob(driver, bytes);
        const second = await storeBlob(driver, bytes);
        assert.equal(first, second);
        assert.deepEqual(await buffer(await driver.open(first)), bytes);
        assert.deepEqual(await collect(driver.list()), [first]);
        assert.deepEqual(await driver.listUploads(), []);
      });

      it('`willCommit` then commit stores the bytes; bytes appended after a `willCommit` append are committed too', async () => {
        const whole = Buffer.from('created, synced, then one more chunk');
        const id = randomUUID();
        await driver.appendUpload(id, 0, Readable.from([whole.subarray(0, 20)]), { create: true, willCommit: true });
        await driver.appendUpload(id, 20, Readable.from([whole.subarray(20)]));
        await driver.commitUpload(id, digestOf(whole));
        assert.deepEqual(await buffer(await driver.open(digestOf(whole))), whole);

        const single = Buffer.from('one request, one blob');
        const other = randomUUID();
        await driver.appendUpload(other, 0, Readable.from([single]), { create: true, willCommit: true });
        await driver.commitUpload(other, digestOf(single));
        assert.deepEqual(await buffer(await driver.open(digestOf(single))), single);
        assert.deepEqual(await driver.listUploads(), []);
      });

      it('a deleted upload cannot be committed even after a `willCommit` append', async () => {
        const id = randomUUID();
        const bytes = Buffer.from('deleted before commit');
        await driver.appendUpload(id, 0, Readable.from([bytes]), { create: true, willCommit: true });
        await driver.deleteUpload(id);
        await assert.rejects(driver.commitUpload(id, digestOf(bytes)), isCode('BLOB_UPLOAD_UNKNOWN'));
        await assert.rejects(driver.stat(digestOf(bytes)), isCode('BLOB_UNKNOWN'));
      });

      it('close is idempotent and a closed driver still commits and reads', async () => {
        const before = await storeBlob(driver, Buffer.from('before close'));
        await driver.close();
        await driver.close();
        const after = await storeBlob(driver, Buffer.from('after close'));
        assert.equal((await buffer(await driver.open(before))).toString(), 'before close');
        assert.equal((await buffer(await driver.open(after))).toString(), 'after close');
      });

      it('an empty blob can be stored and read', async () => {
        const digest = await storeBlob(driver, Buffer.alloc(0));
        assert.deepEqual(await driver.stat(digest), { sizeBytes: 0 });
        assert.equal((await buffer(await driver.open(digest))).length, 0);
      });

      it('open with a range yields exactly those bytes (inclusive)', async () => {
        const bytes = Buffer.from('0123456789abcdef');
        const digest = await storeBlob(driver, bytes);
        const ranges: Array<[number, number]> = [[0, 0], [0, 15], [3, 7], [15, 15], [10, 15]];
        for (const [start, end] of ranges) {
          assert.equal((await buffer(await driver.open(digest, { start, end }))).toString(), bytes.subarray(start, end + 1).toString(), `${start}-${end}`);
        }
      });

      it('many concurrent reads of one blob all get the whole content', async () => {
        const bytes = randomBytes(300_000);
        const digest = await storeBlob(driver, bytes);
        const reads = await Promise.all(Array.from({ length: 12 }, async () => digestOf(await buffer(await driver.open(digest)))));
        assert.deepEqual(reads, reads.map(() => digest));
      });

      it('stat and open of a missing digest throw BLOB_UNKNOWN', async () => {
        const missing = digestOf(Buffer.from('never stored'));
        await assert.rejects(driver.stat(missing), isCode('BLOB_UNKNOWN'));
        await assert.rejects(driver.open(missing), isCode('BLOB_UNKNOWN'));
        await assert.rejects(driver.open(missing, { start: 0, end: 0 }), isCode('BLOB_UNKNOWN'));
      });

      it('delete removes the blob and is idempotent', async () => {
        const keep = await storeBlob(driver, Buffer.from('keep'));
        const gone = await storeBlob(driver, Buffer.from('gone'));
        await driver.delete(gone);
        await driver.delete(gone);
        await driver.delete(digestOf(Buffer.from('never stored')));
        await assert.rejects(driver.stat(gone), isCode('BLOB_UNKNOWN'));
        assert.deepEqual(await collect(driver.list()), [keep]);
      });

      it('list yields committed digests only, never uploads in progress', async () => {
        assert.deepEqual(await collect(driver.list()), []);
        const digests = [];
        for (let i = 0; i < 5; i++) digests.push(await storeBlob(driver, Buffer.from(`blob ${i}`)));
        digests.push(await storeBlob(driver, randomBytes(10)));
        const pending = randomUUID();
        await driver.createUpload(pending);
        await driver.appendUpload(pending, 0, Readable.from([Buffer.from('not yet')]));
        assert.deepEqual((await collect(driver.list())).sort(), digests.sort());
        assert.deepEqual((await driver.listUploads()).map((a) => a.id), [pending]);
      });

      it('ping resolves on a healthy store', async () => {
        await driver.ping();
      });
    });

    describe('quarantine (garbage collection)', () => {
      it('quarantine hides a blob, restore brings the same bytes back, purge removes them for good', async () => {
        const bytes = randomBytes(2000);
        const digest = await storeBlob(driver, bytes);
        const token = await driver.quarantine(digest);
        assert.ok(token);
        await assert.rejects(driver.stat(digest), isCode('BLOB_UNKNOWN'));
        assert.deepEqual(await collect(driver.list()), []);
        assert.deepEqual(await driver.listQuarantined(), [{ token, digest }]);
        await driver.restore(token);
        assert.deepEqual(await buffer(await driver.open(digest)), bytes);
        assert.deepEqual(await driver.listQuarantined(), []);
        const again = await driver.quarantine(digest);
        await driver.purge(again!);
        await driver.purge(again!);
        await assert.rejects(driver.open(digest), isCode('BLOB_UNKNOWN'));
        assert.deepEqual(await driver.listQuarantined(), []);
      });

      it('quarantine of an absent blob is undefined; restore over a copy committed meanwhile keeps the content', async () => {
        assert.equal(await driver.quarantine(digestOf(Buffer.from('never stored'))), undefined);
        const bytes = Buffer.from('committed again while quarantined');
        const digest = await storeBlob(driver, bytes);
        const token = await driver.quarantine(digest);
        await storeBlob(driver, bytes);
        await driver.restore(token!);
        assert.deepEqual(await buffer(await driver.open(digest)), bytes);
        assert.deepEqual(await collect(driver.list()), [digest]);
      });
    });
  });
}
