import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeContentContract } from './meta-store.contract-content.ts';
import { allPages, bytewise, digest, manifest, pushImage, repo, tag, useFreshStore, type MakeMetaStore, type StoreContext } from './meta-store.contract-kit.ts';

export type { MakeMetaStore, MetaStoreFixture } from './meta-store.contract-kit.ts';

// Names whose bytewise order differs from any linguistic collation: punctuation sorts by code point
// ('-' < '.' < '/' < digits < uppercase < '_' < lowercase), not ignored or folded.
const REPO_NAMES = ['b', 'a', 'a-b', 'a.b', 'a/b', 'a_b', 'a__b', 'a0', 'ab', '0', '9z', 'a/b/c', 'a-b/c', 'z.z'];
const TAG_NAMES = ['latest', 'Latest', 'LATEST', 'v1.0', 'v1-0', 'v1_0', 'V2', '_x', '1.0', 'a', 'Z', 'b-', 'B'];

function describeLifecycle(ctx: StoreContext): void {
  describe('lifecycle', () => {
    it('ping resolves on an open store', async () => {
      await ctx.store.ping();
    });

    it('close is idempotent and a closed store no longer answers', async () => {
      const other = await ctx.reopen();
      await other.close();
      await other.close();
      await assert.rejects(other.ping());
      await ctx.store.ping();
    });

    it('migrations are idempotent: opening the same database again keeps every row', async () => {
      await pushImage(ctx.store, 'keep/me', { seed: 'kept', blobs: [digest('k')], tag: 'v1' });
      const again = await ctx.reopen();
      await again.ping();
      assert.equal((await again.manifests.get(repo('keep/me'), { kind: 'tag', tag: tag('v1') }))?.content.toString(), manifest('keep/me', { seed: 'kept', blobs: [digest('k')] }).content.toString());
      assert.deepEqual((await again.repositories.list({})).items, ['keep/me']);
      const third = await ctx.reopen();
      assert.deepEqual((await third.tags.list(repo('keep/me'), {})).items, ['v1']);
    });
  });
}

function describeRepositories(ctx: StoreContext): void {
  describe('repositories and pagination', () => {
    it('a fresh store lists nothing and knows no repository', async () => {
      assert.deepEqual(await ctx.store.repositories.list({}), { items: [], hasMore: false });
      assert.deepEqual(await ctx.store.repositories.list({ n: 5 }), { items: [], hasMore: false });
      assert.equal(await ctx.store.repositories.exists(repo('nope')), false);
    });

    it('linking a blob creates the repository', async () => {
      await ctx.store.blobs.link(repo('team/app'), digest(1), 10);
      assert.equal(await ctx.store.repositories.exists(repo('team/app')), true);
      assert.equal(await ctx.store.repositories.exists(repo('team')), false);
      assert.deepEqual((await ctx.store.repositories.list({})).items, ['team/app']);
    });

    it('lists repositories in bytewise order, page by page, with hasMore on all pages but the last', async () => {
      for (const name of REPO_NAMES) await ctx.store.blobs.link(repo(name), digest(name), 1);
      const expected = bytewise(REPO_NAMES);
      assert.deepEqual((await ctx.store.repositories.list({})).items, expected);
      for (const n of [1, 2, 3, 5]) {
        const { items, flags } = await allPages((p) => ctx.store.repositories.list(p), n);
        assert.deepEqual(items, expected, `n=${n}`);
        assert.deepEqual(flags, flags.map((_, i) => i < flags.length - 1), `n=${n}`);
      }
    });

    it('n equal to the count returns everything without hasMore; larger n too', async () => {
      for (const name of ['x', 'y', 'z']) await ctx.store.blobs.link(repo(name), digest(name), 1);
      assert.deepEqual(await ctx.store.repositories.list({ n: 3 }), { items: ['x', 'y', 'z'], hasMore: false });
      assert.deepEqual(await ctx.store.repositories.list({ n: 100 }), { items: ['x', 'y', 'z'], hasMore: false });
      assert.deepEqual(await ctx.store.repositories.list({ n: 2 }), { items: ['x', 'y'], hasMore: true });
    });

    it('last need not exist: the page starts strictly after it in bytewise order', async () => {
      for (const name of REPO_NAMES) await ctx.store.blobs.link(repo(name), digest(name), 1);
      const expected = bytewise(REPO_NAMES);
      for (const last of ['a', 'a.', 'a/b', 'a0', '1', 'zz', 'A', '_']) {
        const after = expected.filter((name) => Buffer.compare(Buffer.from(name), Buffer.from(last)) > 0);
        assert.deepEqual((await ctx.store.repositories.list({ last })).items, after, `last=${last}`);
        assert.deepEqual(await ctx.store.repositories.list({ last, n: 2 }), { items: after.slice(0, 2), hasMore: after.length > 2 }, `last=${last} n=2`);
      }
    });

    it('lists tags in bytewise order, uppercase before underscore before lowercase', async () => {
      const img = await pushImage(ctx.store, 'app', { seed: 'tags', blobs: [digest('t')] });
      for (const t of TAG_NAMES) await ctx.store.manifests.put({ ...img, tag: tag(t) });
      const expected = bytewise(TAG_NAMES);
      assert.deepEqual(expected.slice(0, 6), ['1.0', 'B', 'LATEST', 'Latest', 'V2', 'Z']);
      assert.deepEqual((await ctx.store.tags.list(repo('app'), {})).items, expected);
      for (const n of [1, 4, 6]) {
        const { items, flags } = await allPages((p) => ctx.store.tags.list(repo('app'), p), n);
        assert.deepEqual(items, expected, `n=${n}`);
        assert.equal(flags.at(-1), false);
      }
      assert.deepEqual((await ctx.store.tags.list(repo('app'), { last: 'Latest', n: 3 })).items, ['V2', 'Z', '_x']);
      assert.deepEqual((await ctx.store.tags.list(repo('app'), { last: 'v1-0' })).items, ['v1.0', 'v1_0']);
    });

    it('tag listing is per repository', async () => {
      await pushImage(ctx.store, 'one', { seed: 1, blobs: [digest(1)], tag: 'a' });
      await pushImage(ctx.store, 'two', { seed: 2, blobs: [digest(2)], tag: 'b' });
      assert.deepEqual((await ctx.store.tags.list(repo('one'), {})).items, ['a']);
      assert.deepEqual((await ctx.store.tags.list(repo('two'), {})).items, ['b']);
      assert.deepEqual(await ctx.store.tags.list(repo('three'), { n: 10 }), { items: [], hasMore: false });
    });
  });
}

function describeUploads(ctx: StoreContext): void {
  describe('upload sessions', () => {
    it('create, find, touch and delete round-trip the session', async () => {
      const at = 1_764_000_000_123;
      await ctx.store.uploads.create({ id: 'u1', repo: repo('up/load'), createdAt: at, updatedAt: at });
      assert.deepEqual(await ctx.store.uploads.find('u1'), { id: 'u1', repo: 'up/load', createdAt: at, updatedAt: at });
      await ctx.store.uploads.touch('u1', at + 5000);
      assert.deepEqual(await ctx.store.uploads.find('u1'), { id: 'u1', repo: 'up/load', createdAt: at, updatedAt: at + 5000 });
      await ctx.store.uploads.delete('u1');
      assert.equal(await ctx.store.uploads.find('u1'), undefined);
      await ctx.store.uploads.delete('u1');
      await ctx.store.uploads.delete('never-existed');
      await ctx.store.uploads.touch('never-existed', at);
      assert.equal(await ctx.store.uploads.find('never-existed'), undefined);
    });

    it('idleSince lists sessions untouched before the cut-off, oldest first, up to the limit', async () => {
      const times: Record<string, number> = { c: 3000, a: 1000, e: 5000, b: 2000, d: 4000 };
      for (const [id, t] of Object.entries(times)) await ctx.store.uploads.create({ id, repo: repo('r'), createdAt: 0, updatedAt: t });
      assert.deepEqual(await ctx.store.uploads.idleSince(4000, 10), ['a', 'b', 'c']);
      assert.deepEqual(await ctx.store.uploads.idleSince(4000, 2), ['a', 'b']);
      assert.deepEqual(await ctx.store.uploads.idleSince(1000, 10), []);
      await ctx.store.uploads.touch('a', 4500);
      assert.deepEqual(await ctx.store.uploads.idleSince(4600, 10), ['b', 'c', 'd', 'a']);
    });

    it('linking a blob with completesUpload removes exactly that session', async () => {
      await ctx.store.uploads.create({ id: 'done', repo: repo('r'), createdAt: 1, updatedAt: 1 });
      await ctx.store.uploads.create({ id: 'other', repo: repo('r'), createdAt: 1, updatedAt: 1 });
      await ctx.store.blobs.link(repo('r'), digest('u'), 77, { completesUpload: 'done' });
      assert.equal(await ctx.store.uploads.find('done'), undefined);
      assert.equal((await ctx.store.uploads.find('other'))?.id, 'other');
      assert.deepEqual(await ctx.store.blobs.findLinked(repo('r'), digest('u')), { sizeBytes: 77 });
    });
  });
}

function describeConcurrency(ctx: StoreContext): void {
  describe('concurrent calls', () => {
    it('many links of the same and different blobs at once leave one row each', async () => {
      const repos = ['c/a', 'c/b', 'c/c'];
      const calls = [];
      for (let i = 0; i < 60; i++) calls.push(ctx.store.blobs.link(repo(repos[i % 3]!), digest(i % 10), 100 + (i % 10)));
      await Promise.all(calls);
      assert.deepEqual((await ctx.store.repositories.list({})).items, repos);
      for (let d = 0; d < 10; d++) {
        assert.deepEqual(await ctx.store.blobs.find(digest(d)), { sizeBytes: 100 + d });
        assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest(d), 10), repos);
      }
    });

    it('many puts at once: every tag exists once and points at a manifest that was put', async () => {
      const base = digest('layer');
      await ctx.store.blobs.link(repo('c/img'), base, 5);
      const inputs = Array.from({ length: 8 }, (_, i) => manifest('c/img', { seed: i, blobs: [base] }));
      const calls = [];
      for (let i = 0; i < 40; i++) {
        const input = inputs[i % inputs.length]!;
        calls.push(ctx.store.manifests.put({ ...input, tag: tag(i % 2 === 0 ? 'shared' : `t${i}`) }));
      }
      await Promise.all(calls);
      const tags = (await ctx.store.tags.list(repo('c/img'), {})).items;
      assert.equal(tags.length, 21);
      assert.equal(new Set(tags).size, 21);
      const shared = await ctx.store.manifests.get(repo('c/img'), { kind: 'tag', tag: tag('shared') });
      assert.ok(inputs.some((m) => m.digest === shared?.digest));
      for (let i = 1; i < 40; i += 2) {
        const got = await ctx.store.manifests.get(repo('c/img'), { kind: 'tag', tag: tag(`t${i}`) });
        assert.equal(got?.digest, inputs[i % inputs.length]!.digest);
      }
    });

    it('concurrent links and upload completions in many repositories stay consistent', async () => {
      const names = Array.from({ length: 20 }, (_, i) => `p/r${String(i).padStart(2, '0')}`);
      for (const name of names) await ctx.store.uploads.create({ id: `up-${name}`, repo: repo(name), createdAt: 1, updatedAt: 1 });
      await Promise.all(names.map((name) => ctx.store.blobs.link(repo(name), digest('same'), 42, { completesUpload: `up-${name}` })));
      assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest('same'), 100), names);
      assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest('same'), 3), names.slice(0, 3));
      assert.deepEqual(await ctx.store.uploads.idleSince(10, 100), []);
    });
  });
}

/** The contract every metadata store (every SQL dialect) must pass; each test gets a fresh database. */
export function describeMetaStore(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} metadata store contract`, () => {
    const ctx = useFreshStore(makeStore);
    describeLifecycle(ctx);
    describeRepositories(ctx);
    describeContentContract(ctx);
    describeUploads(ctx);
    describeConcurrency(ctx);
  });
}
