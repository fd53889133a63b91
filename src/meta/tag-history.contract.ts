import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Digest } from '../oci/digest.ts';
import { manifest, repo, tag, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';
import type { MetaStore } from './meta-store.ts';
import type { TagChangeContext, TagHistoryEntry } from './tag-history.repo.ts';

const APP = repo('acme/app');
const OTHER = repo('acme/other');
const T = tag('v1');
const alice: TagChangeContext = { how: 'push', actor: 'alice' };

async function put(store: MetaStore, seed: string, opts: { tag?: string; repoName?: string; change?: TagChangeContext } = {}): Promise<Digest> {
  const input = manifest(opts.repoName ?? 'acme/app', { seed, ...(opts.tag ? { tag: opts.tag } : {}) });
  await store.manifests.put({ ...input, ...(opts.change ? { change: opts.change } : {}) });
  return input.digest;
}

/** The moves of a tag as [from, to, how, actor], oldest first. */
async function moves(store: MetaStore, repoName = APP, tagName = T): Promise<Array<[string | null, string | null, string, string]>> {
  const entries = await store.tagHistory.timeline(repoName, tagName, 1000);
  return entries.map((e: TagHistoryEntry) => [e.from ?? null, e.to ?? null, e.how, e.actor]);
}

/** Tag history and compare-and-set tag moves, for every dialect. */
export function describeTagHistory(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} tag history`, () => {
    const ctx = useFreshStore(makeStore);

    it('a push by tag records the creation and every move; a re-push of the same digest records nothing', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      await put(ctx.store, 'a', { tag: 'v1', change: alice });
      const b = await put(ctx.store, 'b', { tag: 'v1', change: { how: 'push', actor: 'bob' } });
      await put(ctx.store, 'untagged');
      assert.deepEqual(await moves(ctx.store), [[null, a, 'push', 'alice'], [a, b, 'push', 'bob']]);
      assert.equal(await ctx.store.tagHistory.current(APP, T), b);
    });

    it('a push without a change context is recorded as a push by system', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1' });
      assert.deepEqual(await moves(ctx.store), [[null, a, 'push', 'system']]);
    });

    it('a tag delete is recorded with its context; deleting a missing tag records nothing', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      assert.equal(await ctx.store.tags.delete(APP, T, { how: 'retention', actor: 'system' }), true);
      assert.equal(await ctx.store.tags.delete(APP, T, { how: 'delete', actor: 'carol' }), false);
      assert.deepEqual(await moves(ctx.store), [[null, a, 'push', 'alice'], [a, null, 'retention', 'system']]);
    });

    it('a manifest delete by digest records the removal of each of its tags, and only those', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      await put(ctx.store, 'a', { tag: 'stable', change: alice });
      const b = await put(ctx.store, 'b', { tag: 'v2', change: alice });
      assert.equal(await ctx.store.manifests.delete(APP, a, { how: 'delete', actor: 'dave' }), 'deleted');
      assert.deepEqual(await moves(ctx.store), [[null, a, 'push', 'alice'], [a, null, 'delete', 'dave']]);
      assert.deepEqual(await moves(ctx.store, APP, tag('stable')), [[null, a, 'push', 'alice'], [a, null, 'delete', 'dave']]);
      assert.deepEqual(await moves(ctx.store, APP, tag('v2')), [[null, b, 'push', 'alice']]);
    });

    it('move is a compare-and-set on the current digest and records how and who', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      const b = await put(ctx.store, 'b', { tag: 'v1', change: alice });
      const change: TagChangeContext = { how: 'rollback', actor: 'erin' };
      assert.equal(await ctx.store.tagHistory.move({ repo: APP, tag: T, expected: a, to: a, change }), 'conflict');
      assert.equal(await ctx.store.tagHistory.move({ repo: APP, tag: T, expected: undefined, to: a, change }), 'conflict');
      assert.equal(await ctx.store.tagHistory.current(APP, T), b);
      // a is untagged now but still linked in the repository, so the tag can go back to it.
      assert.equal(await ctx.store.tagHistory.move({ repo: APP, tag: T, expected: b, to: a, change }), 'moved');
      assert.equal(await ctx.store.tagHistory.current(APP, T), a);
      assert.equal((await ctx.store.manifests.get(APP, { kind: 'tag', tag: T }))?.digest, a);
      assert.deepEqual((await moves(ctx.store)).at(-1), [b, a, 'rollback', 'erin']);
    });

    it('move refuses content that is no longer linked in the repository', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      const b = await put(ctx.store, 'b', { tag: 'v1', change: alice });
      assert.equal(await ctx.store.manifests.delete(APP, a), 'deleted');
      assert.equal(await ctx.store.tagHistory.move({ repo: APP, tag: T, expected: b, to: a, change: { how: 'rollback', actor: 'erin' } }), 'gone');
      // Linked in another repository does not count.
      await put(ctx.store, 'a', { repoName: 'acme/other' });
      assert.equal(await ctx.store.tagHistory.move({ repo: APP, tag: T, expected: b, to: a, change: { how: 'rollback', actor: 'erin' } }), 'gone');
      assert.equal(await ctx.store.tagHistory.current(APP, T), b);
    });

    it('a deleted tag comes back with a move from nothing', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      await ctx.store.tags.delete(APP, T, { how: 'delete', actor: 'alice' });
      assert.equal(await ctx.store.tagHistory.current(APP, T), undefined);
      assert.equal(await ctx.store.tagHistory.move({ repo: APP, tag: T, expected: undefined, to: a, change: { how: 'restore', actor: 'frank' } }), 'moved');
      assert.equal(await ctx.store.tagHistory.current(APP, T), a);
      assert.deepEqual((await moves(ctx.store)).at(-1), [null, a, 'restore', 'frank']);
    });

    it('concurrent moves from the same digest: exactly one wins', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      const targets = await Promise.all(['b', 'c', 'd', 'e'].map((seed) => put(ctx.store, seed)));
      const outcomes = await Promise.all(targets.map((to) => ctx.store.tagHistory.move({ repo: APP, tag: T, expected: a, to, change: { how: 'rollback', actor: 'x' } })));
      assert.deepEqual(outcomes.filter((o) => o === 'moved').length, 1);
      assert.deepEqual(outcomes.filter((o) => o === 'conflict').length, 3);
      const winner = targets[outcomes.indexOf('moved')]!;
      assert.equal(await ctx.store.tagHistory.current(APP, T), winner);
      assert.deepEqual(await moves(ctx.store), [[null, a, 'push', 'alice'], [a, winner, 'rollback', 'x']]);
    });

    it('concurrent pushes to one tag record an unbroken chain: each move starts where the previous one ended', async () => {
      const seeds = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      await Promise.all(seeds.map((seed) => put(ctx.store, seed, { tag: 'v1', change: alice })));
      const chain = await moves(ctx.store);
      assert.equal(chain.length, seeds.length);
      assert.equal(chain[0]![0], null);
      for (let i = 1; i < chain.length; i++) assert.equal(chain[i]![0], chain[i - 1]![1], `move ${i} starts where move ${i - 1} ended`);
      assert.equal(await ctx.store.tagHistory.current(APP, T), chain.at(-1)![1]);
    });

    it('list pages newest first by id; timeline gives the most recent entries oldest first', async () => {
      const digests: Digest[] = [];
      for (const seed of ['a', 'b', 'c', 'd', 'e']) digests.push(await put(ctx.store, seed, { tag: 'v1', change: alice }));
      await put(ctx.store, 'x', { tag: 'v1', repoName: 'acme/other', change: alice });
      const first = await ctx.store.tagHistory.list(APP, T, { limit: 2 });
      assert.deepEqual(first.items.map((e) => e.to), [digests[4], digests[3]]);
      assert.equal(first.hasMore, true);
      const second = await ctx.store.tagHistory.list(APP, T, { limit: 2, before: first.items[1]!.id });
      assert.deepEqual(second.items.map((e) => e.to), [digests[2], digests[1]]);
      const third = await ctx.store.tagHistory.list(APP, T, { limit: 2, before: second.items[1]!.id });
      assert.deepEqual(third.items.map((e) => e.to), [digests[0]]);
      assert.equal(third.hasMore, false);
      assert.deepEqual((await ctx.store.tagHistory.timeline(APP, T, 2)).map((e) => e.to), [digests[3], digests[4]]);
      assert.deepEqual((await ctx.store.tagHistory.list(APP, tag('never'), { limit: 10 })).items, []);
    });

    it('digestsSince names both ends of recent moves, per repository or everywhere', async () => {
      const start = Date.now();
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      const b = await put(ctx.store, 'b', { tag: 'v1', change: alice });
      const x = await put(ctx.store, 'x', { tag: 'v1', repoName: 'acme/other', change: alice });
      await ctx.store.tags.delete(OTHER, T);
      assert.deepEqual(await ctx.store.tagHistory.digestsSince(start - 1000, APP), [a, b].sort());
      assert.deepEqual(await ctx.store.tagHistory.digestsSince(start - 1000), [a, b, x].sort());
      assert.deepEqual(await ctx.store.tagHistory.digestsSince(Date.now() + 3_600_000), []);
    });

    it('history is still there after the database is opened again', async () => {
      const a = await put(ctx.store, 'a', { tag: 'v1', change: alice });
      await ctx.store.tags.delete(APP, T, { how: 'delete', actor: 'alice' });
      const again = await ctx.reopen();
      assert.deepEqual(await moves(again), [[null, a, 'push', 'alice'], [a, null, 'delete', 'alice']]);
    });
  });
}
