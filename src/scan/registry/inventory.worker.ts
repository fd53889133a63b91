import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { isBerthError } from '../../errors/berth-error.ts';
import { inventoryOfLayers } from '../inventory/collect-inventory.ts';
import type { FromWorker, ToWorker } from './inventory-protocol.ts';

/**
 * Worker thread entry point: computes one inventory at a time from layers whose bytes the main thread streams
 * in (inventory-protocol.ts). Bundled as its own entry (dist/inventory-worker.mjs); run directly under tsx in tests.
 */
const port = parentPort;
if (!port) throw new Error('inventory.worker.ts runs only as a worker thread');

const streams = new Map<number, Readable>();
let nextStream = 0;
const post = (msg: FromWorker): void => port.postMessage(msg);

function remoteBlob(job: number, digest: string): Readable {
  const id = ++nextStream;
  const stream = new Readable({
    highWaterMark: 1024 * 1024,
    read: () => post({ type: 'more', stream: id }),
    destroy(err, done) {
      if (streams.delete(id)) post({ type: 'close', stream: id });
      done(err);
    },
  });
  streams.set(id, stream);
  post({ type: 'open', job, stream: id, digest });
  return stream;
}

async function run(msg: Extract<ToWorker, { type: 'job' }>): Promise<void> {
  try {
    const layers = msg.layers.map((digest) => ({ digest, open: async () => remoteBlob(msg.job, digest) }));
    const inventory = await inventoryOfLayers(layers, msg.limits ? { limits: msg.limits } : {});
    post({ type: 'done', job: msg.job, inventory });
  } catch (err) {
    post({ type: 'failed', job: msg.job, ...(isBerthError(err) ? { code: err.code } : {}), message: (err as Error).message ?? String(err) });
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'job':
      void run(msg);
      return;
    case 'chunk':
      streams.get(msg.stream)?.push(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
      return;
    case 'end': {
      const stream = streams.get(msg.stream);
      streams.delete(msg.stream);
      stream?.push(null);
      return;
    }
    case 'fail': {
      const stream = streams.get(msg.stream);
      streams.delete(msg.stream);
      stream?.destroy(new Error(msg.message));
      return;
    }
  }
});
