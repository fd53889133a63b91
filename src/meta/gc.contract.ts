import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { digest, manifest, pushImage, repo, tag, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';

/** Far enough ahead that everything in the store counts as older than the grace period. */
const ALL_OLD = () => Date.now() + 60_000;
/** Nothing counts as old: everything is inside the grace period. */
const ALL_YOUNG = 0;
const NONE = new Set<string>();

/** GC's re-checked deletes, the blob reservation and the job leases, for every dialect. */
export function describeGcRepo(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} garbage collection store`, () => {
    const ctx = useFreshStore(makeStore);
    const R = repo('acme/app');

    it('a lease is held by one holder until released or expired', async () => {
      const { gc } = ctx.store;
      const now = Date.now();
      assert.equal(await gc.acquireLease('gc', 'node-a', 60_000, now), true);
      assert.equal(await gc.acquireLease('gc', 'node-b', 60_000, now), false);
      assert.equal(await gc.acquireLease('gc', 'node-a', 60_000, now + 1), true, 'the holder renews');
      await gc.releaseLease('gc', 'node-b');
      assert.equal(await gc.acquireLease('gc', 'node-b', 60_000, now), false, 'releasing someone else’s lease does nothing');
      await gc.releaseLease('gc', 'node-a');
      assert.equal(await gc.acquireLease('gc', 'node-b', 60_000, now), true);
      assert.equal(await gc.acquireLease('gc', 'node-c', 60_000, now + 60_001), true, 'an expired lease is taken over');
      assert.equal(await gc.acquireLease('retention:acme', 'node-a', 60_000, now), true, 'leases are per name');
      assert.equal(await gc.leaseHolder('gc'), 'node-c');
      assert.equal(await gc.acquireLease('gc', 'node-d', 60_000, now + 60_002, 'node-x'), false, 'naming another holder as stale does nothing');
      assert.equal(await gc.acquireLease('gc', 'node-d', 60_000, now + 60_002, 'node-c'), true, 'a holder known dead is replaced');
      assert.equal(await gc.leaseHolder('nothing'), undefined);
    });

    it('a manifest is unlinked only when old, untagged and not listed by a live index', async () => {
      const { gc, tags } = ctx.store;
      const child = await pushImage(ctx.store, 'acme/app', { seed: 'child', blobs: [digest('l1')] });
      const index = await pushImage(ctx.store, 'acme/app', { seed: 'index', manifests: [child.digest], tag: 'v1' });
      assert.equal(await gc.unlinkManifest(R, index.digest, ALL_OLD(), NONE), false, 'tagged');
      assert.equal(await gc.unlinkManifest(R, child.digest, ALL_OLD(), NONE), false, 'listed by a live index');
      await tags.delete(R, tag('v1'));
      assert.equal(await gc.unlinkManifest(R, index.digest, ALL_YOUNG, NONE), false, 'inside the grace period');
      assert.equal(await gc.unlinkManifest(R, child.digest, ALL_OLD(), new Set([index.digest])), true, 'its index is garbage too');
      assert.equal(await gc.unlinkManifest(R, index.digest, ALL_OLD(), NONE), true);
      assert.equal(await ctx.store.manifests.get(R, { kind: 'digest', digest: index.digest }), undefined);
    });

    it('a referrer of a live subject is kept; of a garbage subject it goes', async () => {
      const { gc } = ctx.store;
      const image = await pushImage(ctx.store, 'acme/app', { seed: 'image', blobs: [digest('l1')] });
      const sig = await pushImage(ctx.store, 'acme/app', { seed: 'sig', blobs: [digest('s1')], subject: image.digest });
      assert.equal(await gc.unlinkManifest(R, sig.digest, ALL_OLD(), NONE), false);
      assert.equal(await gc.unlinkManifest(R, sig.digest, ALL_OLD(), new Set([image.digest])), true);
    });

    it('a blob link goes only when no manifest of the repository uses it; the row only when no repository links it', async () => {
      const { gc } = ctx.store;
      const image = await pushImage(ctx.store, 'acme/app', { seed: 'image', blobs: [digest('l1')] });
      await ctx.store.blobs.link(repo('other/repo'), digest('l1'), 1000);
      assert.equal(await gc.unlinkBlob(R, digest('l1'), ALL_OLD()), false, 'used by a manifest');
      assert.equal(await gc.unlinkManifest(R, image.digest, ALL_OLD(), NONE), true);
      assert.equal(await gc.unlinkBlob(R, digest('l1'), ALL_YOUNG), false, 'inside the grace period');
      assert.equal(await gc.unlinkBlob(R, digest('l1'), ALL_OLD()), true);
      assert.equal(await gc.deleteBlob(digest('l1'), ALL_OLD()), false, 'still linked into other/repo');
      assert.equal(await gc.unlinkBlob(repo('other/repo'), digest('l1'), ALL_OLD()), true);
      assert.equal(await gc.deleteManifest(image.digest), true);
      assert.equal(await gc.deleteBlob(digest('l1'), ALL_OLD()), true);
      assert.equal(await gc.blobRowExists(digest('l1')), false);
      assert.equal(await ctx.store.blobs.find(digest('l1')), undefined);
    });

    it('a reservation by a new upload protects the row, and a mount of a collected blob is refused', async () => {
      const { gc, blobs } = ctx.store;
      await blobs.link(R, digest('l1'), 1000);
      assert.equal(await gc.unlinkBlob(R, digest('l1'), ALL_OLD()), true);
      const before = Date.now();
      await blobs.reserve(digest('l1'), 1000);
      assert.equal(await gc.deleteBlob(digest('l1'), before), false, 'reserved after the grace period started');
      assert.equal(await gc.deleteBlob(digest('l1'), ALL_OLD()), true);
      assert.equal(await blobs.linkExisting(repo('other/repo'), digest('l1')), false);
      assert.equal(await blobs.findLinked(repo('other/repo'), digest('l1')), undefined);
      await blobs.link(R, digest('l2'), 7);
      assert.equal(await blobs.linkExisting(repo('other/repo'), digest('l2')), true);
      assert.deepEqual(await blobs.findLinked(repo('other/repo'), digest('l2')), { sizeBytes: 7 });
    });

    it('a manifest put racing the unlink of its blob either wins or fails with MANIFEST_BLOB_UNKNOWN, never both', async () => {
      const { gc, blobs, manifests } = ctx.store;
      for (let i = 0; i < 20; i++) {
        const layer = digest(`race-${i}`);
        await blobs.link(R, layer, 10);
        const input = manifest('acme/app', { seed: `race-${i}`, blobs: [layer], tag: `t${i}` });
        const [put, unlinked] = await Promise.all([
          manifests.put(input).then(() => 'stored' as const, (err: unknown) => {
            if (isBerthError(err, 'MANIFEST_BLOB_UNKNOWN')) return 'refused' as const;
            throw err;
          }),
          gc.unlinkBlob(R, layer, ALL_OLD()),
        ]);
        const linked = (await blobs.findLinked(R, layer)) !== undefined;
        if (put === 'stored') {
          assert.equal(unlinked, false, `round ${i}: the blob of a stored manifest was unlinked`);
          assert.equal(linked, true);
          assert.ok(await manifests.get(R, { kind: 'tag', tag: tag(`t${i}`) }));
        } else {
          assert.equal(unlinked, true, `round ${i}: refused although the blob stayed`);
          assert.equal(linked, false);
        }
      }
    });

    it('the graph lists links, references, blob rows and tag history inside the window', async () => {
      const image = await pushImage(ctx.store, 'acme/app', { seed: 'image', blobs: [digest('l1')], tag: 'v1' });
      await ctx.store.tags.delete(R, tag('v1'), { how: 'delete', actor: 'alice' });
      const graph = await ctx.store.gc.graph(0);
      assert.deepEqual(graph.manifests.map((m) => [m.repository, m.digest]), [[R, image.digest]]);
      assert.deepEqual(graph.references, [{ manifest: image.digest, target: digest('l1'), kind: 'blob' }]);
      assert.deepEqual(graph.blobs.map((b) => [b.digest, b.sizeBytes]), [[digest('l1'), 1000]]);
      // The push (to) and the delete (from) both mention the image.
      assert.deepEqual(new Set(graph.history.map((h) => `${h.repository}@${h.digest}`)), new Set([`${R}@${image.digest}`]));
      assert.deepEqual((await ctx.store.gc.graph(Date.now() + 60_000)).history, []);
    });
  });
}
