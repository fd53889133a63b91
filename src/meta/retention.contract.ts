import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from './identity-store.ts';
import { chainHash } from './identity-store.contract-audit.ts';
import { digest, pushImage, repo, tag, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';

const pull = (repository: string, d: string, at: number, result: 'success' | 'denied' = 'success'): AuditEventInput => ({
  at, actorKind: 'user', actorName: 'ci', sourceIp: null, action: 'registry.pull', project: repository.split('/')[0]!,
  repository, reference: 'latest', digest: d, result, detail: null,
});

/** Retention policies, the tags and pulls a run reads, and the compare-and-delete of a tag, for every dialect. */
export function describeRetentionRepo(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} retention store`, () => {
    const ctx = useFreshStore(makeStore);

    it('stores, replaces, lists and removes a project policy (gone with its project)', async () => {
      const { retention, projects } = ctx.store;
      for (const p of ['acme', 'beta']) await projects.create({ name: p, isPublic: false, createdBy: null });
      assert.equal(await retention.get('acme'), undefined);
      await retention.put({ project: 'acme', rules: '{"keepMostRecent":3}', updatedBy: 'alice', updatedAt: 10 });
      await retention.put({ project: 'acme', rules: '{"keepMostRecent":5}', updatedBy: 'bob', updatedAt: 20 });
      await retention.put({ project: 'beta', rules: '{}', updatedBy: 'bob', updatedAt: 30 });
      assert.deepEqual(await retention.get('acme'), { project: 'acme', rules: '{"keepMostRecent":5}', updatedBy: 'bob', updatedAt: 20 });
      assert.deepEqual(await retention.projects(), ['acme', 'beta']);
      assert.equal(await retention.delete('acme'), true);
      assert.equal(await retention.delete('acme'), false);
      await projects.delete('beta');
      assert.deepEqual(await retention.projects(), []);
    });

    it('lists the tags of exactly one project, whatever its name shares with others', async () => {
      for (const r of ['acme/app', 'acme/lib/x', 'acme-x/app', 'acme_x/app', 'acmex/app']) {
        await pushImage(ctx.store, r, { seed: r, blobs: [digest(r)], tag: 'v1' });
      }
      const tags = await ctx.store.retention.tagsOf('acme');
      assert.deepEqual(tags.map((t) => `${t.repository}:${t.tag}`), ['acme/app:v1', 'acme/lib/x:v1']);
      assert.ok(tags.every((t) => t.pushedAt > 0));
    });

    it('finds the last successful pull of each manifest since a time', async () => {
      await ctx.store.audit.append([
        pull('acme/app', digest('a'), 100), pull('acme/app', digest('a'), 300), pull('acme/app', digest('b'), 50),
        pull('acme/app', digest('c'), 400, 'denied'), pull('beta/app', digest('a'), 500),
      ], chainHash);
      const pulls = await ctx.store.retention.lastPulls('acme', 60);
      assert.deepEqual(pulls, [{ repository: 'acme/app', digest: digest('a'), at: 300 }]);
    });

    it('a tag delete with an expected digest refuses when the tag moved, and records the delete in history', async () => {
      const R = repo('acme/app');
      const one = await pushImage(ctx.store, 'acme/app', { seed: 'one', blobs: [digest('l1')], tag: 'v1' });
      const two = await pushImage(ctx.store, 'acme/app', { seed: 'two', blobs: [digest('l1')], tag: 'v1' });
      assert.equal(await ctx.store.tags.delete(R, tag('v1'), { how: 'retention', actor: 'alice' }, one.digest), false);
      assert.equal(await ctx.store.tags.delete(R, tag('v1'), { how: 'retention', actor: 'alice' }, two.digest), true);
      const [last] = (await ctx.store.tagHistory.list(R, tag('v1'), { limit: 1 })).items;
      assert.deepEqual([last?.how, last?.actor, last?.from, last?.to], ['retention', 'alice', two.digest, undefined]);
    });
  });
}
