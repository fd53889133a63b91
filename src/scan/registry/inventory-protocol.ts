import type { LayerLimits } from '../../image/layer-reader.ts';
import type { Inventory } from '../inventory/inventory.ts';

/**
 * Messages between the inventory pool (main thread) and an inventory worker. The worker holds no storage
 * driver: it asks the main thread for each layer's bytes, one chunk per request, so memory stays bounded by
 * the stream's high-water mark and any blob driver works.
 */
export type ToWorker =
  | { type: 'job'; job: number; layers: string[]; limits?: Partial<LayerLimits> }
  | { type: 'chunk'; stream: number; data: Uint8Array }
  | { type: 'end'; stream: number }
  | { type: 'fail'; stream: number; message: string };

export type FromWorker =
  | { type: 'open'; job: number; stream: number; digest: string }
  | { type: 'more'; stream: number }
  | { type: 'close'; stream: number }
  | { type: 'done'; job: number; inventory: Inventory }
  | { type: 'failed'; job: number; code?: string; message: string };
