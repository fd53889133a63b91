import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../log/logger.ts';
import { ociLayoutSource } from '../../image/oci-layout.source.ts';
import { collectInventory } from '../inventory/collect-inventory.ts';
import { InventoryPool, inventoryWorkerUrl } from './inventory-pool.ts';
import { debianImage } from './scan-test-kit.ts';
import type { BuiltImage } from '../../../test/helpers/test-image.ts';

const blobPath = (image: BuiltImage, digest: string): string => join(image.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));

describe('inventory pool (worker threads)', { timeout: 120_000 }, () => {
  let dir: string;
  let image: BuiltImage;
  let pool: InventoryPool;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-pool-'));
    image = await debianImage([{ name: 'libssl3', version: '3.0.11-1~deb12u2+b1', source: 'openssl (3.0.11-1~deb12u2)' }, { name: 'tar', version: '1.34+dfsg-1.2' }]).build(dir, 'v1');
    pool = new InventoryPool({ size: 2, log: createLogger('silent') });
  });
  after(async () => {
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('computes in a worker the same inventory as the main thread, for concurrent calls', async () => {
    const expected = await collectInventory(ociLayoutSource(dir, 'v1'));
    const open = async (digest: string) => createReadStream(blobPath(image, digest), { highWaterMark: 7 });
    const layers = image.layers.map((l) => l.digest);
    const results = await Promise.all([1, 2, 3].map(() => pool.inventory(layers, open)));
    for (const inv of results) assert.deepEqual(inv, expected);
    assert.deepEqual(results[0]!.packages.map((p) => `${p.name} ${p.version} ${p.sourceName ?? ''} ${p.sourceVersion ?? ''}`), [
      'libssl3 3.0.11-1~deb12u2+b1 openssl 3.0.11-1~deb12u2',
      'tar 1.34+dfsg-1.2 tar 1.34+dfsg-1.2',
    ]);
  });

  it('a layer that cannot be read fails that call with its message; the pool keeps working', async () => {
    const layers = image.layers.map((l) => l.digest);
    await assert.rejects(pool.inventory(layers, async () => { throw new Error('blob gone'); }), /blob gone/);
    const inv = await pool.inventory(layers, async (digest) => createReadStream(blobPath(image, digest)));
    assert.equal(inv.packages.length, 2);
  });

  it('finds its entry point beside the source, or at dist/inventory-worker.mjs in the bundle', () => {
    assert.equal(inventoryWorkerUrl('file:///app/src/scan/registry/inventory-pool.ts').href, 'file:///app/src/scan/registry/inventory.worker.ts');
    assert.equal(inventoryWorkerUrl('file:///app/dist/berth.mjs').href, 'file:///app/dist/inventory-worker.mjs');
    assert.equal(inventoryWorkerUrl('file:///app/dist/chunks/scan-AB12.mjs').href, 'file:///app/dist/inventory-worker.mjs');
  });
});
