import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digest, pushImage, repo, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';

/** The trust repository (#7) on every dialect: policy rows, and the reverse lookups pull policies make. */
export function describeTrustRepo(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} trust repository`, () => {
    const ctx = useFreshStore(makeStore);

    it('stores, replaces, lists and deletes one policy per project', async () => {
      const { trust } = ctx.store;
      assert.equal(await trust.find('acme'), undefined);
      await trust.put({ project: 'acme', mode: 'audit', policyJson: '{"keys":[]}', updatedBy: 'admin', updatedAt: 1000 });
      await trust.put({ project: 'beta', mode: 'enforce', policyJson: '{}', updatedBy: null, updatedAt: 2000 });
      await trust.put({ project: 'acme', mode: 'enforce', policyJson: '{"keys":[1]}', updatedBy: 'owner', updatedAt: 3000 });
      assert.deepEqual(await trust.find('acme'), { project: 'acme', mode: 'enforce', policyJson: '{"keys":[1]}', updatedBy: 'owner', updatedAt: 3000 });
      assert.deepEqual((await (await ctx.reopen()).trust.list()).map((r) => [r.project, r.mode, r.updatedAt]), [['acme', 'enforce', 3000], ['beta', 'enforce', 2000]]);
      assert.equal(await trust.delete('acme'), true);
      assert.equal(await trust.delete('acme'), false);
      assert.deepEqual((await trust.list()).map((r) => r.project), ['beta']);
    });

    it('finds the manifests of a repository using a blob, and the indexes listing a manifest', async () => {
      const { store } = ctx;
      const [layer, shared] = [digest('layer'), digest('shared')];
      const image = await pushImage(store, 'acme/app', { seed: 'image', blobs: [layer, shared], tag: 'v1' });
      const other = await pushImage(store, 'acme/other', { seed: 'elsewhere', blobs: [shared] });
      const sig = await pushImage(store, 'acme/app', { seed: 'sig', blobs: [shared], tag: `sha256-${'a'.repeat(64)}.sig` });
      const referrer = await pushImage(store, 'acme/app', { seed: 'ref', blobs: [shared], subject: image.digest });
      const index = await pushImage(store, 'acme/app', { seed: 'index', manifests: [image.digest] });

      const users = await store.trust.manifestsUsingBlob(repo('acme/app'), shared, 10);
      assert.deepEqual(users.map((u) => u.digest).sort(), [image.digest, sig.digest, referrer.digest].sort());
      assert.ok(!users.map((u) => u.digest).includes(other.digest));
      const byDigest = new Map(users.map((u) => [u.digest, u]));
      assert.equal(byDigest.get(image.digest)!.isArtifact, false);
      assert.equal(byDigest.get(sig.digest)!.isArtifact, true);
      assert.equal(byDigest.get(referrer.digest)!.isArtifact, true);
      assert.deepEqual(byDigest.get(image.digest)!.content, image.content);
      assert.equal(byDigest.get(image.digest)!.mediaType, image.mediaType);
      assert.equal((await store.trust.manifestsUsingBlob(repo('acme/app'), shared, 1)).length, 1);
      assert.deepEqual(await store.trust.manifestsUsingBlob(repo('acme/app'), digest('absent'), 10), []);

      assert.deepEqual((await store.trust.indexesListing(repo('acme/app'), image.digest, 10)).map((m) => m.digest), [index.digest]);
      assert.deepEqual(await store.trust.indexesListing(repo('acme/other'), image.digest, 10), []);
    });
  });
}
