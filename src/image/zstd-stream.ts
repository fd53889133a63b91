import { Transform, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';
import { BerthError } from '../errors/berth-error.ts';

/**
 * A zstd decompressing stream with bounded memory, over fzstd (pure JavaScript, so nothing native to build).
 *
 * fzstd decodes whatever it is given in one synchronous call and allocates the window a frame header asks
 * for (up to 2 GiB). Fed raw chunks, a small hostile input makes it allocate or emit gigabytes at once. So
 * this stream walks the frame and block headers itself (their sizes are explicit in the compressed bytes),
 * refuses windows over `maxWindowBytes` and blocks over the format's 128 KiB, and hands fzstd one block at a
 * time, waiting for the reader whenever the output buffer is full: at most one block (128 KiB) is decoded
 * ahead of the reader. Skippable frames are dropped; concatenated frames are decoded in order.
 */

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_BYTES = 128 * 1024;
const DICT_ID_BYTES = [0, 1, 2, 4] as const;
const FCS_BYTES = [0, 2, 4, 8] as const;

export const DEFAULT_MAX_ZSTD_WINDOW_BYTES = 128 * 1024 * 1024;

type State = 'frame' | 'block' | 'checksum' | 'skip';

function invalid(message: string): BerthError {
  return new BerthError('IMAGE_INVALID', { message: `zstd layer: ${message}` });
}

function readUIntLE(buf: Buffer, at: number, bytes: number): number {
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + buf[at + i]!;
  return value;
}

export class ZstdDecompressStream extends Transform {
  private readonly decoder: Decompress;
  private buf: Buffer = Buffer.alloc(0);
  private state: State = 'frame';
  private hasChecksum = false;
  private skipBytes = 0;
  private isBlocked = false;
  private wake: (() => void) | undefined;

  constructor(private readonly maxWindowBytes = DEFAULT_MAX_ZSTD_WINDOW_BYTES) {
    super();
    this.decoder = new Decompress((data) => {
      if (data.length > 0 && !this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) this.isBlocked = true;
    });
  }

  override _read(size: number): void {
    this.isBlocked = false;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.wake?.();
    this.wake = undefined;
    callback(err);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.consume().then(() => callback(), (err: unknown) => callback(err as Error));
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.state !== 'frame' || this.buf.length > 0) throw invalid('the data ends inside a frame (truncated)');
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (err) {
      callback(err instanceof BerthError ? err : invalid((err as Error).message));
    }
  }

  /** Feeds every complete unit (frame header, block, checksum) in `buf`, keeping the incomplete rest. */
  private async consume(): Promise<void> {
    let pos = 0;
    try {
      for (;;) {
        if (this.destroyed) return;
        const unit = this.nextUnit(pos);
        if (unit === undefined) break;
        if (unit.feed) this.decoder.push(this.buf.subarray(pos, pos + unit.length));
        pos += unit.length;
        if (this.isBlocked) await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } catch (err) {
      throw err instanceof BerthError ? err : invalid((err as Error).message);
    } finally {
      this.buf = pos >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(pos));
    }
  }

  /** The next unit at `pos` and whether fzstd gets it, or undefined when more bytes are needed. */
  private nextUnit(pos: number): { length: number; feed: boolean } | undefined {
    const available = this.buf.length - pos;
    switch (this.state) {
      case 'frame': {
        if (available < 4) return undefined;
        const magic = this.buf.readUInt32LE(pos);
        if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          if (available < 8) return undefined;
          this.skipBytes = this.buf.readUInt32LE(pos + 4);
          this.state = 'skip';
          return { length: 8, feed: false };
        }
        if (magic !== ZSTD_MAGIC) throw invalid('not a zstd frame');
        if (available < 5) return undefined;
        return this.frameHeader(pos, available);
      }
      case 'block': {
        if (available < 3) return undefined;
        const header = readUIntLE(this.buf, pos, 3);
        const isLast = (header & 1) === 1;
        const type = (header >> 1) & 3;
        const sizeBytes = header >>> 3;
        if (type === 3) throw invalid('reserved block type');
        if (sizeBytes > MAX_BLOCK_BYTES) throw invalid(`block of ${sizeBytes} bytes is larger than the format allows`);
        const length = 3 + (type === 1 ? 1 : sizeBytes);
        if (available < length) return undefined;
        if (isLast) this.state = this.hasChecksum ? 'checksum' : 'frame';
        return { length, feed: true };
      }
      case 'checksum':
        if (available < 4) return undefined;
        this.state = 'frame';
        return { length: 4, feed: true };
      case 'skip': {
        if (available === 0) return undefined;
        const length = Math.min(available, this.skipBytes);
        this.skipBytes -= length;
        if (this.skipBytes === 0) this.state = 'frame';
        return length === 0 ? { length: 0, feed: false } : { length, feed: false };
      }
    }
  }

  private frameHeader(pos: number, available: number): { length: number; feed: boolean } | undefined {
    const descriptor = this.buf[pos + 4]!;
    const fcsFlag = descriptor >> 6;
    const isSingleSegment = ((descriptor >> 5) & 1) === 1;
    if ((descriptor >> 3) & 1) throw invalid('reserved frame header bit set');
    const dictBytes = DICT_ID_BYTES[descriptor & 3]!;
    const fcsBytes = fcsFlag === 0 ? (isSingleSegment ? 1 : 0) : FCS_BYTES[fcsFlag]!;
    const windowAt = pos + 5;
    const length = 5 + (isSingleSegment ? 0 : 1) + dictBytes + fcsBytes;
    if (available < length) return undefined;
    let windowBytes: number;
    if (isSingleSegment) {
      const fcsAt = windowAt + dictBytes;
      windowBytes = readUIntLE(this.buf, fcsAt, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    } else {
      const window = this.buf[windowAt]!;
      const base = 2 ** (10 + (window >> 3));
      windowBytes = base + (base / 8) * (window & 7);
    }
    if (windowBytes > this.maxWindowBytes) {
      throw new BerthError('IMAGE_LIMIT_EXCEEDED', {
        message: `zstd layer: a frame asks for a ${windowBytes}-byte window, more than the ${this.maxWindowBytes} allowed`,
        detail: { limit: 'maxZstdWindowBytes', maxBytes: this.maxWindowBytes },
      });
    }
    this.hasChecksum = ((descriptor >> 2) & 1) === 1;
    this.state = 'block';
    return { length, feed: true };
  }
}
