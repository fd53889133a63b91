import type { BaseImageCatalog, BaseImageMatch, LayerKey } from '../analyze/analysis.types.ts';
import { bestLayerPrefix, type CatalogImage } from '../analyze/layer-prefix.catalog.ts';
import type { Digest } from '../oci/digest.ts';
import type { StorageScope, StorageStatsRepo } from '../meta/storage-stats.repo.ts';

/** Manifests read per lookup at most: a base layer shared by thousands of images must not make one read all. */
const MAX_CANDIDATES = 200;

function layersOf(content: Buffer): LayerKey[] | undefined {
  try {
    const body = JSON.parse(content.toString('utf8')) as { layers?: unknown };
    if (!Array.isArray(body.layers)) return undefined;
    // Stored manifests name layers by blob digest; diffIds live in configs, which are not read here.
    return body.layers.map((l: { digest?: unknown }) => ({ digest: String(l?.digest), diffId: null }));
  } catch {
    return undefined;
  }
}

/**
 * The engine's base-image lookup over images stored in Berth: the candidates are the manifests that list the
 * analysed image's bottom layer, limited to `scope` (the analysed repository's project and public projects, so an
 * analysis never names an image in a project its readers may not see). Read-only; safe concurrently.
 */
export class StoredBaseCatalog implements BaseImageCatalog {
  constructor(
    private readonly storage: Pick<StorageStatsRepo, 'manifestsUsingBlob'>,
    private readonly scope: StorageScope,
  ) {}

  async findByLayerPrefix(layers: readonly LayerKey[], excludeDigest: string): Promise<BaseImageMatch | undefined> {
    const bottom = layers[0];
    if (!bottom) return undefined;
    const candidates = await this.storage.manifestsUsingBlob(bottom.digest as Digest, this.scope, MAX_CANDIDATES);
    const images: CatalogImage[] = [];
    for (const c of candidates) {
      const own = layersOf(c.content);
      if (!own) continue;
      const name = c.tag !== undefined ? `${c.repository}:${c.tag}` : `${c.repository}@${c.digest}`;
      images.push({ name, digest: c.digest, layers: own });
    }
    // Without diffIds on the stored side, layers compare by digest.
    return bestLayerPrefix(images, layers, excludeDigest);
  }
}
