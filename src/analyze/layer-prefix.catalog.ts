import type { BaseImageCatalog, BaseImageMatch, LayerKey } from './analysis.types.ts';

/** An image a catalog may offer as a base: its name, manifest digest and layers bottom first. */
export interface CatalogImage {
  name: string;
  digest: string;
  layers: readonly LayerKey[];
}

function sameLayer(a: LayerKey, b: LayerKey): boolean {
  return a.diffId !== null && b.diffId !== null ? a.diffId === b.diffId : a.digest === b.digest;
}

/** True when every layer of `base` is, in order, the bottom of `layers`. */
export function isLayerPrefix(base: readonly LayerKey[], layers: readonly LayerKey[]): boolean {
  return base.length > 0 && base.length <= layers.length && base.every((l, i) => sameLayer(l, layers[i]!));
}

/** The longest layer-prefix match among `images`, ties going to the first listed. */
export function bestLayerPrefix(images: Iterable<CatalogImage>, layers: readonly LayerKey[], excludeDigest: string): BaseImageMatch | undefined {
  let best: BaseImageMatch | undefined;
  for (const image of images) {
    if (image.digest === excludeDigest || !isLayerPrefix(image.layers, layers)) continue;
    if (!best || image.layers.length > best.layerCount) best = { name: image.name, digest: image.digest, layerCount: image.layers.length };
  }
  return best;
}

/** A catalog over a list of known images held in memory (the server's catalog reads stored images instead). */
export class LayerPrefixCatalog implements BaseImageCatalog {
  constructor(private readonly images: readonly CatalogImage[]) {}

  async findByLayerPrefix(layers: readonly LayerKey[], excludeDigest: string): Promise<BaseImageMatch | undefined> {
    return bestLayerPrefix(this.images, layers, excludeDigest);
  }
}
