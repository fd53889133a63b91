import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digest, pushImage, repo, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';

/** The promotion gate repository, for every dialect. */
export function describePromotionGates(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} promotion gates`, () => {
    const ctx = useFreshStore(makeStore);
    const gate = (project: string, kind: string, params: Record<string, unknown> = {}) =>
      ({ project, repositoryPattern: '**', tagPattern: 'prod', kind, params, createdBy: 'alice' });

    it('adds, lists in order per project with params round-tripped, removes only within the project', async () => {
      const { store } = ctx;
      await store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      await store.projects.create({ name: 'beta', isPublic: false, createdBy: null });
      const a = await store.promotionGates.add(gate('acme', 'min-age', { hours: 24 }));
      const b = await store.promotionGates.add({ ...gate('acme', 'pulled-by', { principal: 'robot$acme+test' }), repositoryPattern: 'api/*', tagPattern: 'release-*' });
      await store.promotionGates.add(gate('beta', 'release-note'));
      const listed = await store.promotionGates.list('acme');
      assert.deepEqual(listed.map((g) => g.id), [a.id, b.id]);
      assert.deepEqual(listed[0], a);
      assert.deepEqual(listed[1]!.params, { principal: 'robot$acme+test' });
      assert.equal(listed[1]!.repositoryPattern, 'api/*');
      assert.equal(listed[1]!.tagPattern, 'release-*');
      assert.equal(await store.promotionGates.remove('beta', a.id), false, 'a gate of another project is not removed');
      assert.equal(await store.promotionGates.remove('acme', a.id), true);
      assert.equal(await store.promotionGates.remove('acme', a.id), false);
      assert.deepEqual((await store.promotionGates.list('acme')).map((g) => g.id), [b.id]);
      assert.equal((await store.promotionGates.list('beta')).length, 1);
    });

    it('gates go with their project', async () => {
      const { store } = ctx;
      await store.projects.create({ name: 'gone', isPublic: false, createdBy: null });
      await store.promotionGates.add(gate('gone', 'release-note'));
      await store.projects.delete('gone');
      assert.deepEqual(await store.promotionGates.list('gone'), []);
    });

    it('linkedAt is when a manifest entered a repository, undefined elsewhere', async () => {
      const { store } = ctx;
      const before = Date.now();
      const image = await pushImage(store, 'acme/api', { seed: 'img', blobs: [digest('l1')], tag: 'v1' });
      const at = await store.promotionGates.linkedAt(repo('acme/api'), image.digest);
      assert.ok(at !== undefined && at >= before && at <= Date.now(), `linkedAt ${at}`);
      assert.equal(await store.promotionGates.linkedAt(repo('acme/other'), image.digest), undefined);
      assert.equal(await store.promotionGates.linkedAt(repo('acme/api'), digest('nothing')), undefined);
      // Pushed again under another tag: still as old as its first push.
      await new Promise((done) => setTimeout(done, 5));
      await pushImage(store, 'acme/api', { seed: 'img', blobs: [digest('l1')], tag: 'rc' });
      assert.equal(await store.promotionGates.linkedAt(repo('acme/api'), image.digest), at);
    });
  });
}
