import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { BerthError } from '../../errors/berth-error.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../../errors/catalogue.ts';
import type { LayerLimits } from '../../image/layer-reader.ts';
import type { Logger } from '../../log/logger.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { FromWorker, ToWorker } from './inventory-protocol.ts';

/** Computes inventories off the main thread. */
export interface InventoryRunner {
  /**
   * The inventory of the layer stack `layers` (digests, bottom first), whose bytes `open` streams. Throws a
   * BerthError with the worker's code (IMAGE_LIMIT_EXCEEDED, ...) or INTERNAL when the worker died. Calls beyond
   * the pool's size wait for a free worker. Safe concurrently.
   */
  inventory(layers: readonly string[], open: (digest: string) => Promise<Readable>): Promise<Inventory>;
  /** Terminates the workers; running calls reject. Idempotent. */
  close(): Promise<void>;
}

/**
 * Where the worker's entry point is: beside this file under tsx, `dist/inventory-worker.mjs` in the bundle
 * (this code then runs from dist/berth.mjs or a chunk under dist/chunks/).
 */
export function inventoryWorkerUrl(here: string = import.meta.url): URL {
  if (here.endsWith('.ts')) return new URL('./inventory.worker.ts', here);
  return new URL(here.includes('/chunks/') ? '../inventory-worker.mjs' : './inventory-worker.mjs', here);
}

/**
 * Node 20 loads a worker's entry before the `--import tsx` hooks it inherits are in place, so a TypeScript
 * entry (tests, `tsx` runs) is imported by a bootstrap that registers tsx first. The bundle's entry is plain JS.
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const api = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true });
}

interface Task {
  job: number;
  layers: readonly string[];
  open: (digest: string) => Promise<Readable>;
  resolve(inv: Inventory): void;
  reject(err: Error): void;
}

/** A blob streaming to a worker; destroyed explicitly, as an iterator never started does not close its stream. */
interface OpenBlob {
  stream: Readable;
  chunks: AsyncIterator<Buffer>;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  /** Promised: the worker's first `more` can arrive while the blob is still being opened. */
  streams: Map<number, Promise<OpenBlob | undefined>>;
}

/** A bounded pool of inventory worker threads, started on first use and kept for the next jobs. */
export class InventoryPool implements InventoryRunner {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextJob = 0;
  private isClosed = false;

  constructor(private readonly opts: { size: number; log: Logger; limits?: Partial<LayerLimits>; workerUrl?: URL }) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new RangeError('the inventory pool needs at least one worker');
  }

  inventory(layers: readonly string[], open: (digest: string) => Promise<Readable>): Promise<Inventory> {
    if (this.isClosed) return Promise.reject(new BerthError('UNAVAILABLE', { message: 'the scanner is shutting down' }));
    return new Promise<Inventory>((resolve, reject) => {
      this.waiting.push({ job: ++this.nextJob, layers, open, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const task of this.waiting.splice(0)) task.reject(new BerthError('UNAVAILABLE', { message: 'the scanner is shutting down' }));
    await Promise.all(this.slots.splice(0).map((slot) => {
      slot.task?.reject(new BerthError('UNAVAILABLE', { message: 'the scanner is shutting down' }));
      slot.task = undefined;
      return slot.worker.terminate();
    }));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((s) => s.task === undefined);
      if (!slot && this.slots.length < this.opts.size) slot = this.spawn();
      if (!slot) return;
      const task = this.waiting.shift()!;
      slot.task = task;
      slot.worker.ref();
      this.send(slot, { type: 'job', job: task.job, layers: [...task.layers], ...(this.opts.limits ? { limits: this.opts.limits } : {}) });
    }
  }

  private send(slot: Slot, msg: ToWorker): void {
    slot.worker.postMessage(msg);
  }

  private spawn(): Slot {
    const worker = startWorker(this.opts.workerUrl ?? inventoryWorkerUrl());
    const slot: Slot = { worker, task: undefined, streams: new Map() };
    worker.on('message', (msg: FromWorker) => void this.onMessage(slot, msg));
    worker.on('error', (err) => this.onExit(slot, err));
    worker.on('exit', (code) => this.onExit(slot, new Error(`inventory worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private onExit(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i === -1) return;
    this.slots.splice(i, 1);
    if (!this.isClosed) this.opts.log.error({ err }, 'scan: an inventory worker died');
    slot.task?.reject(new BerthError('INTERNAL', { message: 'the inventory worker failed', cause: err }));
    slot.task = undefined;
    if (!this.isClosed) this.dispatch();
  }

  private async onMessage(slot: Slot, msg: FromWorker): Promise<void> {
    const task = slot.task;
    switch (msg.type) {
      case 'open': {
        if (!task || msg.job !== task.job) return this.send(slot, { type: 'fail', stream: msg.stream, message: 'no such job' });
        const opening = task.open(msg.digest).then(
          (stream): OpenBlob => ({ stream, chunks: stream[Symbol.asyncIterator]() as AsyncIterator<Buffer> }),
          (err: unknown) => {
            slot.streams.delete(msg.stream);
            this.send(slot, { type: 'fail', stream: msg.stream, message: (err as Error).message });
            return undefined;
          },
        );
        slot.streams.set(msg.stream, opening);
        return;
      }
      case 'more': {
        const blob = await slot.streams.get(msg.stream);
        if (!blob) return;
        try {
          const next = await blob.chunks.next();
          if (next.done) {
            slot.streams.delete(msg.stream);
            this.send(slot, { type: 'end', stream: msg.stream });
          } else {
            this.send(slot, { type: 'chunk', stream: msg.stream, data: next.value });
          }
        } catch (err) {
          slot.streams.delete(msg.stream);
          this.send(slot, { type: 'fail', stream: msg.stream, message: (err as Error).message });
        }
        return;
      }
      case 'close': {
        const blob = await slot.streams.get(msg.stream);
        slot.streams.delete(msg.stream);
        blob?.stream.destroy();
        return;
      }
      case 'done':
      case 'failed': {
        if (!task || msg.job !== task.job) return;
        for (const opening of slot.streams.values()) (await opening)?.stream.destroy();
        slot.streams.clear();
        slot.task = undefined;
        // An idle worker must not keep the process alive.
        slot.worker.unref();
        if (msg.type === 'done') task.resolve(msg.inventory);
        else task.reject(workerError(msg.code, msg.message));
        this.dispatch();
        return;
      }
    }
  }
}

function workerError(code: string | undefined, message: string): BerthError {
  const known = code !== undefined && code in ERROR_CATALOGUE ? (code as ErrorCode) : 'INTERNAL';
  return new BerthError(known, { message });
}
