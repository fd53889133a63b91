import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeSource } from './file-writer.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('writeSource', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-file-writer-'));
  after(() => rm(dir, { recursive: true, force: true }));

  async function writeInto(name: string, prefix: Buffer, source: AsyncIterable<Buffer | string>): Promise<{ path: string; result: Promise<number> }> {
    const path = join(dir, name);
    await writeFile(path, prefix);
    const fh = await open(path, 'r+');
    const result = writeSource(fh, path, source, prefix.length).finally(() => fh.close());
    return { path, result };
  }

  it('writes 40 MiB of uneven chunks after existing bytes, byte for byte, crossing a writeback mark', async () => {
    const chunks = Array.from({ length: 700 }, (_, i) => randomBytes(1 + ((i * 7919) % 120_000)));
    const prefix = Buffer.from('already here');
    const { path, result } = await writeInto('big', prefix, (async function* () {
      yield* chunks;
    })());
    const expected = Buffer.concat([prefix, ...chunks]);
    assert.ok(expected.length > 32 * 1024 * 1024);
    assert.equal(await result, expected.length);
    assert.equal(sha(await readFile(path)), sha(expected));
  });

  it('keeps every byte that arrived before the source failed, then throws its error', async () => {
    const chunks = [Buffer.alloc(3 * 1024 * 1024, 'a'), Buffer.alloc(3 * 1024 * 1024, 'b'), 'tail'];
    const { path, result } = await writeInto('cut', Buffer.alloc(0), (async function* () {
      yield* chunks;
      throw new Error('client went away');
    })());
    await assert.rejects(result, /client went away/);
    const content = await readFile(path);
    assert.equal(content.length, 6 * 1024 * 1024 + 4);
    assert.equal(content.subarray(-4).toString(), 'tail');
  });
});
