import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltImage, Descriptor } from '../helpers/test-image.ts';

/** Reading what a client wrote into an OCI image layout, to compare it with what the test pushed. */

const REF_NAME = 'org.opencontainers.image.ref.name';

/** The index.json descriptor named `tag`; fails the test when there is none. */
export async function layoutRef(dir: string, tag: string): Promise<Descriptor> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const found = index.manifests.find((m) => m.annotations?.[REF_NAME] === tag);
  assert.ok(found, `no ${tag} in ${dir}/index.json: ${JSON.stringify(index)}`);
  return found;
}

export function layoutBlob(dir: string, digest: string): Promise<Buffer> {
  const [algorithm, hex] = digest.split(':');
  return readFile(join(dir, 'blobs', algorithm!, hex!));
}

/** Asserts the layout names `image` as `tag` with the very same manifest, config and layer bytes. */
export async function assertLayoutHoldsImage(dir: string, tag: string, image: Omit<BuiltImage, 'dir' | 'tag'>): Promise<void> {
  const ref = await layoutRef(dir, tag);
  assert.equal(ref.digest, image.manifest.digest, 'manifest digest');
  await assertLayoutHoldsBlobs(dir, image);
}

/** Asserts the layout's blob store holds the image's manifest, config and layers byte for byte. */
export async function assertLayoutHoldsBlobs(dir: string, image: Omit<BuiltImage, 'dir' | 'tag'>): Promise<void> {
  assert.deepEqual(await layoutBlob(dir, image.manifest.digest), image.manifest.bytes, 'manifest bytes');
  assert.deepEqual(await layoutBlob(dir, image.config.digest), image.config.bytes, 'config bytes');
  for (const layer of image.layers) assert.deepEqual(await layoutBlob(dir, layer.digest), layer.bytes, `layer ${layer.digest} bytes`);
}
