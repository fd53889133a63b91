import { formatBytes } from './output.ts';

/** Progress of long work (blob copies). Writes only to a terminal; piped or redirected it stays silent. */
export interface Progress {
  /** Passes `stream` through, counting its bytes under `label`; the line is finished when the stream ends. */
  track(stream: ReadableStream<Uint8Array>, label: string, totalBytes: number | undefined): ReadableStream<Uint8Array>;
  /** One finished step that moved no bytes (skipped, mounted, pushed a manifest). */
  note(line: string): void;
}

/** Redraws are throttled so a fast copy does not spend its time writing to the terminal. */
const REDRAW_EVERY_MS = 100;

export function createProgress(out: NodeJS.WriteStream = process.stderr): Progress {
  if (!out.isTTY) {
    return { track: (stream) => stream, note: () => {} };
  }
  const line = (label: string, done: number, total: number | undefined) =>
    `${label}  ${formatBytes(done)}${total !== undefined ? ` / ${formatBytes(total)}` : ''}`;
  return {
    track(stream, label, totalBytes) {
      let done = 0;
      let drawnAt = 0;
      return stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            done += chunk.byteLength;
            const now = Date.now();
            if (now - drawnAt >= REDRAW_EVERY_MS) {
              drawnAt = now;
              out.write(`\r\x1b[K${line(label, done, totalBytes)}`);
            }
            controller.enqueue(chunk);
          },
          flush() {
            out.write(`\r\x1b[K${line(label, done, totalBytes)}  done\n`);
          },
        }),
      );
    },
    note(text) {
      out.write(`\r\x1b[K${text}\n`);
    },
  };
}
