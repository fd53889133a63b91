import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { digest, manifest, repo, tag, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';
import type { MetaStore } from './meta-store.ts';

const naming = (project: string, name: string) => ({
  project, kind: 'naming' as const, name, repositoryPattern: '**', spec: { mode: 'enforce', forms: ['semver'] }, createdBy: 'alice',
});

async function putTagged(store: MetaStore, repoName: string, seed: string, tagName: string) {
  const input = manifest(repoName, { seed, tag: tagName });
  await store.manifests.put(input);
  return input.digest;
}

/** Tag rules, production flags and tag details, for every dialect. */
export function describeTagRules(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} tag rules and tag details`, { timeout: 120_000 }, () => {
    const ctx = useFreshStore(makeStore);
    const project = async (p: string) => ctx.store.projects.create({ name: p, isPublic: false, createdBy: null });

    it('adds rules in order with their spec, refuses a duplicate name, removes by kind and id', async () => {
      await project('acme');
      await project('beta');
      const a = await ctx.store.tagRules.add(naming('acme', 'semver-only'));
      const b = await ctx.store.tagRules.add({ project: 'acme', kind: 'immutable', name: 'frozen', repositoryPattern: 'api/*', spec: { tags: 'v*' }, createdBy: 'bob' });
      await ctx.store.tagRules.add(naming('beta', 'semver-only'));
      await assert.rejects(ctx.store.tagRules.add(naming('acme', 'semver-only')), (e) => isBerthError(e, 'CONFLICT'));

      const listed = await ctx.store.tagRules.list('acme');
      assert.deepEqual(listed.map((r) => [r.name, r.kind, r.repositoryPattern, r.createdBy]), [['semver-only', 'naming', '**', 'alice'], ['frozen', 'immutable', 'api/*', 'bob']]);
      assert.deepEqual(listed[0]!.spec, { mode: 'enforce', forms: ['semver'] });
      assert.deepEqual(listed[1]!.spec, { tags: 'v*' });
      assert.equal(typeof listed[0]!.createdAt, 'number');

      assert.equal(await ctx.store.tagRules.remove('acme', 'naming', b.id), undefined, 'wrong kind');
      assert.equal(await ctx.store.tagRules.remove('beta', 'immutable', b.id), undefined, 'wrong project');
      assert.equal((await ctx.store.tagRules.remove('acme', 'immutable', b.id))?.name, 'frozen');
      assert.equal(await ctx.store.tagRules.remove('acme', 'immutable', b.id), undefined, 'already gone');
      assert.deepEqual((await ctx.store.tagRules.list('acme')).map((r) => r.id), [a.id]);
      assert.equal((await ctx.store.tagRules.list('beta')).length, 1);
      assert.deepEqual((await ctx.store.tagRules.listAll()).map((r) => [r.project, r.name]), [['acme', 'semver-only'], ['beta', 'semver-only']]);
    });

    it('production flags default off, upsert, and go with the project', async () => {
      await project('acme');
      assert.deepEqual(await ctx.store.tagRules.production('acme'), { isProduction: false, refuseLatestPull: false });
      await ctx.store.tagRules.setProduction('acme', { isProduction: true, refuseLatestPull: false });
      await ctx.store.tagRules.setProduction('acme', { isProduction: true, refuseLatestPull: true });
      assert.deepEqual(await (await ctx.reopen()).tagRules.production('acme'), { isProduction: true, refuseLatestPull: true });
      await project('beta');
      await ctx.store.tagRules.setProduction('beta', { isProduction: false, refuseLatestPull: false });
      assert.deepEqual(await ctx.store.tagRules.productionAll(), [{ project: 'acme', isProduction: true, refuseLatestPull: true }]);
      await ctx.store.tagRules.add(naming('acme', 'r'));
      await ctx.store.projects.delete('acme');
      assert.deepEqual(await ctx.store.tagRules.production('acme'), { isProduction: false, refuseLatestPull: false });
      assert.deepEqual(await ctx.store.tagRules.list('acme'), []);
    });

    it('tag details: digest and push time per tag, tags of a digest, digest of a tag', async () => {
      const d1 = await putTagged(ctx.store, 'acme/api', 'one', 'v1');
      await ctx.store.manifests.put(manifest('acme/api', { seed: 'one', tag: 'latest' }));
      const d2 = await putTagged(ctx.store, 'acme/api', 'two', 'v2');
      await putTagged(ctx.store, 'acme/web', 'one', 'v1');

      const listed = await ctx.store.tagDetails.list(repo('acme/api'));
      assert.deepEqual(listed.map((t) => [t.tag, t.digest]), [['latest', d1], ['v1', d1], ['v2', d2]]);
      assert.ok(listed.every((t) => typeof t.updatedAt === 'number' && t.updatedAt > 0));
      assert.deepEqual(await ctx.store.tagDetails.tagsOf(repo('acme/api'), d1), ['latest', 'v1']);
      assert.deepEqual(await ctx.store.tagDetails.tagsOf(repo('acme/api'), digest('nothing')), []);
      assert.equal(await ctx.store.tagDetails.digestOf(repo('acme/api'), tag('v2')), d2);
      assert.equal(await ctx.store.tagDetails.digestOf(repo('acme/api'), tag('v3')), undefined);
      assert.deepEqual(await ctx.store.tagDetails.list(repo('acme/none')), []);
    });
  });
}
