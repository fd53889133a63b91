import { addAbortSignal, pipeline, Transform, type Readable } from 'node:stream';

/** Reports at most once per this many bytes, and at the end of each stream. */
const REPORT_EVERY_BYTES = 1024 * 1024;

/**
 * `source` passed through unchanged, telling `onBytes` the running count of bytes read (throttled), and
 * destroyed with an AbortError when `signal` aborts. Destroying the result releases `source`.
 */
export function trackedStream(source: Readable, onBytes: (bytesRead: number) => void, signal: AbortSignal | undefined): Readable {
  let read = 0;
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      if (read - reported >= REPORT_EVERY_BYTES) {
        reported = read;
        onBytes(read);
      }
      done(null, chunk);
    },
    flush(done) {
      onBytes(read);
      done();
    },
  });
  // Errors reach the reader through `counter`, which pipeline destroys with them.
  pipeline(source, counter, () => {});
  return signal ? addAbortSignal(signal, counter) : counter;
}
