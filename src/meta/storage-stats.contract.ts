import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf, type Digest } from '../oci/digest.ts';
import { digest, manifest, repo, useFreshStore, type MakeMetaStore, type ManifestSpec } from './meta-store.contract-kit.ts';
import type { MetaStore } from './meta-store.ts';

/**
 * The storage figures and the analysis cache, for every dialect. One registry with known sizes:
 * - acme/a: image1 (config ca 10, base 1000, l1 100), image4 (config cd 40, base, l4 400), index `multi` of both;
 * - acme/b: image2 `latest` (config cb 20, base, l2 200);
 * - beta/c: image3 `v1` (config cc 30, base, l3 300), image5 `v2` (config cc, l5 50), and a loose blob (5);
 * - acme-x/z (7) and acme_x (9): loose blobs in projects whose names start like acme's.
 */

const SIZES: Record<string, number> = { base: 1000, ca: 10, l1: 100, cd: 40, l4: 400, cb: 20, l2: 200, cc: 30, l3: 300, l5: 50, loose: 5, dash: 7, under: 9 };
const d = (name: string): Digest => digest(name);

async function link(store: MetaStore, repoName: string, blobs: string[]): Promise<void> {
  for (const b of blobs) await store.blobs.link(repo(repoName), d(b), SIZES[b]!);
}

async function put(store: MetaStore, repoName: string, spec: ManifestSpec): Promise<Digest> {
  const input = manifest(repoName, spec);
  await store.manifests.put(input);
  return input.digest;
}

interface Registry {
  image1: Digest;
  image2: Digest;
  image3: Digest;
  image4: Digest;
  image5: Digest;
  index: Digest;
}

async function seed(store: MetaStore): Promise<Registry> {
  await link(store, 'acme/a', ['ca', 'base', 'l1', 'cd', 'l4']);
  // Config first, like a real manifest: the shared-layer ranking reads it to tell configs from layers.
  const image1 = await putImage(store, 'acme/a', 'image1', 'ca', ['base', 'l1']);
  const image4 = await putImage(store, 'acme/a', 'image4', 'cd', ['base', 'l4']);
  const index = await put(store, 'acme/a', { seed: 'index', manifests: [image1, image4], tag: 'multi' });
  await link(store, 'acme/b', ['cb', 'base', 'l2']);
  const image2 = await putImage(store, 'acme/b', 'image2', 'cb', ['base', 'l2'], 'latest');
  await link(store, 'beta/c', ['cc', 'base', 'l3', 'l5', 'loose']);
  const image3 = await putImage(store, 'beta/c', 'image3', 'cc', ['base', 'l3'], 'v1');
  const image5 = await putImage(store, 'beta/c', 'image5', 'cc', ['l5'], 'v2');
  await link(store, 'acme-x/z', ['dash']);
  await link(store, 'acme_x', ['under']);
  return { image1, image2, image3, image4, image5, index };
}

/** An image manifest whose content names its config as `config.digest`, as a real one does. */
async function putImage(store: MetaStore, repoName: string, seedName: string, config: string, layers: string[], tagName?: string): Promise<Digest> {
  const input = manifest(repoName, { seed: seedName, blobs: [d(config), ...layers.map(d)], ...(tagName ? { tag: tagName } : {}) });
  const content = Buffer.from(JSON.stringify({ schemaVersion: 2, seed: seedName, config: { digest: d(config) }, layers: layers.map((l) => ({ digest: d(l) })) }));
  const withContent = { ...input, content, digest: digestOf(content) };
  await store.manifests.put(withContent);
  return withContent.digest;
}

export function describeStorageStats(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} storage figures contract`, () => {
    const ctx = useFreshStore(makeStore);

    it('an empty registry has no repositories and zero totals', async () => {
      assert.deepEqual(await ctx.store.storage.repositories({}), []);
      assert.deepEqual(await ctx.store.storage.blobTotals({}), { blobs: 0, physicalBytes: 0, uniqueBytes: 0 });
      assert.deepEqual(await ctx.store.storage.sharedLayers({}, 10), []);
      assert.deepEqual(await ctx.store.storage.biggestImages({}, 10), []);
    });

    it('per repository: logical counts every image fully, physical each blob once, unique what no other repository links', async () => {
      await seed(ctx.store);
      assert.deepEqual(await ctx.store.storage.repositories({}), [
        { repository: 'acme-x/z', manifests: 0, tags: 0, blobs: 1, logicalBytes: 0, physicalBytes: 7, uniqueBytes: 7 },
        { repository: 'acme/a', manifests: 3, tags: 1, blobs: 5, logicalBytes: 1110 + 1440, physicalBytes: 1550, uniqueBytes: 550 },
        { repository: 'acme/b', manifests: 1, tags: 1, blobs: 3, logicalBytes: 1220, physicalBytes: 1220, uniqueBytes: 220 },
        { repository: 'acme_x', manifests: 0, tags: 0, blobs: 1, logicalBytes: 0, physicalBytes: 9, uniqueBytes: 9 },
        { repository: 'beta/c', manifests: 2, tags: 2, blobs: 5, logicalBytes: 1330 + 80, physicalBytes: 1385, uniqueBytes: 385 },
      ]);
      assert.deepEqual((await ctx.store.storage.repositories({ repository: repo('acme/b') })).map((r) => r.repository), ['acme/b']);
    });

    it('project scopes cover exactly the project\'s repositories (bytewise ranges, not prefixes)', async () => {
      await seed(ctx.store);
      assert.deepEqual((await ctx.store.storage.repositories({ projects: ['acme'] })).map((r) => r.repository), ['acme/a', 'acme/b']);
      assert.deepEqual((await ctx.store.storage.repositories({ projects: ['acme_x', 'beta'] })).map((r) => r.repository), ['acme_x', 'beta/c']);
      assert.deepEqual(await ctx.store.storage.repositories({ projects: [] }), []);
      assert.deepEqual(await ctx.store.storage.blobTotals({ projects: [] }), { blobs: 0, physicalBytes: 0, uniqueBytes: 0 });
    });

    it('blob totals: a project\'s physical bytes count shared blobs once; unique leaves out blobs linked elsewhere', async () => {
      await seed(ctx.store);
      assert.deepEqual(await ctx.store.storage.blobTotals({ projects: ['acme'] }), { blobs: 7, physicalBytes: 1770, uniqueBytes: 770 });
      assert.deepEqual(await ctx.store.storage.blobTotals({ projects: ['beta'] }), { blobs: 5, physicalBytes: 1385, uniqueBytes: 385 });
      assert.deepEqual(await ctx.store.storage.blobTotals({ repository: repo('acme/a') }), { blobs: 5, physicalBytes: 1550, uniqueBytes: 550 });
      assert.deepEqual(await ctx.store.storage.blobTotals({}), { blobs: 13, physicalBytes: 2171, uniqueBytes: 2171 });
    });

    it('shared layers: the blob most images list, with image and repository counts; configs are not layers', async () => {
      await seed(ctx.store);
      assert.deepEqual(await ctx.store.storage.sharedLayers({}, 10), [{ digest: d('base'), sizeBytes: 1000, images: 4, repositories: 3 }]);
      assert.deepEqual(await ctx.store.storage.sharedLayers({ projects: ['acme'] }, 10), [{ digest: d('base'), sizeBytes: 1000, images: 3, repositories: 2 }]);
      assert.deepEqual(await ctx.store.storage.sharedLayers({ repository: repo('acme/b') }, 10), []);
      assert.deepEqual(await ctx.store.storage.sharedLayers({}, 0), []);
    });

    it('biggest images: an index counts its children, which it stands for; tags come along', async () => {
      const r = await seed(ctx.store);
      assert.deepEqual(await ctx.store.storage.biggestImages({}, 10), [
        { repository: 'acme/a', digest: r.index, mediaType: 'application/vnd.oci.image.index.v1+json', logicalBytes: 2550, tags: ['multi'] },
        { repository: 'beta/c', digest: r.image3, mediaType: 'application/vnd.oci.image.manifest.v1+json', logicalBytes: 1330, tags: ['v1'] },
        { repository: 'acme/b', digest: r.image2, mediaType: 'application/vnd.oci.image.manifest.v1+json', logicalBytes: 1220, tags: ['latest'] },
        { repository: 'beta/c', digest: r.image5, mediaType: 'application/vnd.oci.image.manifest.v1+json', logicalBytes: 80, tags: ['v2'] },
      ]);
      assert.deepEqual((await ctx.store.storage.biggestImages({ projects: ['beta'] }, 1)).map((i) => i.digest), [r.image3]);
    });

    it('manifests using a blob: tagged ones first, then by repository and digest, with their bytes, in scope', async () => {
      const r = await seed(ctx.store);
      const found = await ctx.store.storage.manifestsUsingBlob(d('base'), { projects: ['acme'] }, 10);
      const untagged = [r.image1, r.image4].sort();
      assert.deepEqual(found.map((m) => [m.repository, m.digest, m.tag]), [['acme/b', r.image2, 'latest'], ['acme/a', untagged[0], undefined], ['acme/a', untagged[1], undefined]]);
      assert.equal(JSON.parse(found[0]!.content.toString()).config.digest, d('cb'));
      assert.deepEqual((await ctx.store.storage.manifestsUsingBlob(d('base'), {}, 2)).map((m) => m.digest), [r.image2, r.image3]);
      assert.deepEqual(await ctx.store.storage.manifestsUsingBlob(d('loose'), {}, 10), []);
    });

    it('deleting a manifest takes its bytes out of logical, not out of physical (the blobs stay linked)', async () => {
      const r = await seed(ctx.store);
      assert.equal(await ctx.store.manifests.delete(repo('beta/c'), r.image5), 'deleted');
      const [row] = await ctx.store.storage.repositories({ repository: repo('beta/c') });
      assert.deepEqual(row, { repository: 'beta/c', manifests: 1, tags: 1, blobs: 5, logicalBytes: 1330, physicalBytes: 1385, uniqueBytes: 385 });
    });
  });

  describe(`${name} analysis cache contract`, () => {
    const ctx = useFreshStore(makeStore);
    const analysis = (digestValue: Digest, over: Partial<{ platform: string; engineVersion: number; wastedBytes: number; analyzedAt: number }> = {}) => ({
      digest: digestValue, platform: over.platform ?? '', engineVersion: over.engineVersion ?? 1, resultJson: JSON.stringify({ v: over.engineVersion ?? 1, w: over.wastedBytes }),
      imageBytes: 5000, wastedBytes: over.wastedBytes ?? 100, analyzedAt: over.analyzedAt ?? 1_700_000_000_000,
    });

    it('find answers what put stored, per digest and platform; a second put replaces it', async () => {
      const r = await seed(ctx.store);
      assert.equal(await ctx.store.analyses.find(r.image2, ''), undefined);
      await ctx.store.analyses.put(analysis(r.image2));
      await ctx.store.analyses.put(analysis(r.index, { platform: 'linux/amd64', wastedBytes: 7 }));
      assert.deepEqual(await ctx.store.analyses.find(r.image2, ''), analysis(r.image2));
      assert.equal(await ctx.store.analyses.find(r.index, ''), undefined);
      assert.deepEqual(await ctx.store.analyses.find(r.index, 'linux/amd64'), analysis(r.index, { platform: 'linux/amd64', wastedBytes: 7 }));
      await ctx.store.analyses.put(analysis(r.image2, { engineVersion: 2, wastedBytes: 50, analyzedAt: 1_800_000_000_000 }));
      assert.deepEqual(await ctx.store.analyses.find(r.image2, ''), analysis(r.image2, { engineVersion: 2, wastedBytes: 50, analyzedAt: 1_800_000_000_000 }));
    });

    it('biggest wasters: only the current engine version, only waste above zero, in scope, most wasted first', async () => {
      const r = await seed(ctx.store);
      await ctx.store.analyses.put(analysis(r.image2, { wastedBytes: 300 }));
      await ctx.store.analyses.put(analysis(r.image3, { wastedBytes: 900 }));
      await ctx.store.analyses.put(analysis(r.image5, { wastedBytes: 0 }));
      await ctx.store.analyses.put(analysis(r.index, { platform: 'linux/amd64', wastedBytes: 5000, engineVersion: 0 }));
      assert.deepEqual(await ctx.store.analyses.biggestWasters({}, 1, 10), [
        { repository: 'beta/c', digest: r.image3, platform: '', imageBytes: 5000, wastedBytes: 900 },
        { repository: 'acme/b', digest: r.image2, platform: '', imageBytes: 5000, wastedBytes: 300 },
      ]);
      assert.deepEqual((await ctx.store.analyses.biggestWasters({ projects: ['acme'] }, 1, 10)).map((w) => w.digest), [r.image2]);
      assert.deepEqual((await ctx.store.analyses.biggestWasters({}, 0, 10)).map((w) => w.digest), [r.index]);
    });
  });
}
