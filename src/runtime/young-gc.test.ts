import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { CHURN_BYTES, countingChurn, noteBufferChurn } from './young-gc.ts';

const CHUNK_BYTES = 64 * 1024;

/** `totalBytes` in fresh 64 KiB Buffers, as a socket delivers an upload. */
function* freshChunks(totalBytes: number): Generator<Buffer> {
  for (let sent = 0; sent < totalBytes; sent += CHUNK_BYTES) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    chunk.writeUInt32BE(sent / CHUNK_BYTES);
    yield chunk;
  }
}

function arrayBufferMiB(): number {
  return process.memoryUsage().arrayBuffers / 1024 / 1024;
}

describe('young-gc', () => {
  it('keeps dead stream chunks far below V8 own 32 MiB backstop when every chunk is noted', () => {
    const before = arrayBufferMiB();
    let peak = 0;
    for (const chunk of freshChunks(128 * 1024 * 1024)) {
      noteBufferChurn(chunk.length);
      peak = Math.max(peak, arrayBufferMiB() - before);
    }
    // Without the scavenges this reaches about 32 MiB (V8's backstop); with them CHURN_BYTES (8 MiB) of dead
    // chunks, up to twice that while the array buffer sweeper frees the previous batch on its own thread.
    assert.ok(peak < 24, `ArrayBuffer memory grew by ${peak.toFixed(1)} MiB while 128 MiB streamed through`);
  });

  it('countingChurn passes every byte through unchanged, in order', async () => {
    const total = CHURN_BYTES * 3 + 12_345;
    const expected = createHash('sha256');
    const source = Readable.from((function* () {
      for (const chunk of freshChunks(total)) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - chunk.readUInt32BE(0) * CHUNK_BYTES));
        expected.update(part);
        yield part;
      }
    })());
    const actual = createHash('sha256');
    let bytes = 0;
    for await (const chunk of countingChurn(source)) {
      actual.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    assert.equal(bytes, total);
    assert.equal(actual.digest('hex'), expected.digest('hex'));
  });

  it('countingChurn passes a source failure on to the reader', async () => {
    const source = new Readable({ read() {} });
    const counted = countingChurn(source);
    source.push(Buffer.from('first'));
    source.destroy(new Error('disk read failed'));
    await assert.rejects(async () => {
      for await (const _ of counted) {
        // drain
      }
    }, /disk read failed/);
  });

  it('destroying the counted stream (a client that went away) destroys the source, closing its file', async () => {
    const source = new Readable({ read() {} });
    const closed = new Promise<void>((resolve) => source.once('close', resolve));
    source.on('error', () => {}); // the premature close pipeline reports
    const counted = countingChurn(source);
    counted.destroy();
    await closed;
    assert.equal(source.destroyed, true);
  });
});
