import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { MediaType } from '../oci/media-types.ts';
import { digest, manifest, pushImage, repo, tag, type StoreContext } from './meta-store.contract-kit.ts';

const byTag = (t: string) => ({ kind: 'tag' as const, tag: tag(t) });

function describeBlobs(ctx: StoreContext): void {
  describe('blobs', () => {
    it('an unknown blob is found nowhere', async () => {
      assert.equal(await ctx.store.blobs.find(digest('x')), undefined);
      assert.equal(await ctx.store.blobs.findLinked(repo('r'), digest('x')), undefined);
      assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest('x'), 10), []);
    });

    it('link is idempotent and keeps the first recorded size; sizes beyond 4 GiB round-trip', async () => {
      const big = 5 * 1024 ** 3 + 7;
      await ctx.store.blobs.link(repo('r'), digest(1), big);
      await ctx.store.blobs.link(repo('r'), digest(1), big);
      assert.deepEqual(await ctx.store.blobs.findLinked(repo('r'), digest(1)), { sizeBytes: big });
      assert.deepEqual(await ctx.store.blobs.find(digest(1)), { sizeBytes: big });
      assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest(1), 10), ['r']);
    });

    it('a blob linked into one repository is not linked into another', async () => {
      await ctx.store.blobs.link(repo('a'), digest(1), 9);
      assert.equal(await ctx.store.blobs.findLinked(repo('b'), digest(1)), undefined);
      assert.deepEqual(await ctx.store.blobs.find(digest(1)), { sizeBytes: 9 });
      await ctx.store.blobs.link(repo('c'), digest(1), 9);
      await ctx.store.blobs.link(repo('b'), digest(1), 9);
      assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest(1), 10), ['a', 'b', 'c']);
      assert.deepEqual(await ctx.store.blobs.repositoriesLinking(digest(1), 2), ['a', 'b']);
    });

    it('unlink removes only that repository\'s link, then reports absent', async () => {
      await ctx.store.blobs.link(repo('a'), digest(1), 9);
      await ctx.store.blobs.link(repo('b'), digest(1), 9);
      assert.equal(await ctx.store.blobs.unlink(repo('a'), digest(1)), 'unlinked');
      assert.equal(await ctx.store.blobs.findLinked(repo('a'), digest(1)), undefined);
      assert.deepEqual(await ctx.store.blobs.findLinked(repo('b'), digest(1)), { sizeBytes: 9 });
      assert.equal(await ctx.store.blobs.unlink(repo('a'), digest(1)), 'absent');
      assert.equal(await ctx.store.blobs.unlink(repo('nowhere'), digest(2)), 'absent');
    });

    it('unlink refuses while a manifest of the repository references the blob, and not after it is deleted', async () => {
      const img = await pushImage(ctx.store, 'app', { seed: 'img', blobs: [digest('cfg'), digest('layer')] });
      await pushImage(ctx.store, 'other', { seed: 'img', blobs: [digest('layer')] });
      assert.equal(await ctx.store.blobs.unlink(repo('app'), digest('layer')), 'referenced');
      assert.equal(await ctx.store.blobs.unlink(repo('app'), digest('cfg')), 'referenced');
      assert.deepEqual(await ctx.store.blobs.findLinked(repo('app'), digest('layer')), { sizeBytes: 1000 });
      assert.equal(await ctx.store.manifests.delete(repo('app'), img.digest), 'deleted');
      assert.equal(await ctx.store.blobs.unlink(repo('app'), digest('layer')), 'unlinked');
      // Another repository's manifest never pins this repository's link.
      assert.equal(await ctx.store.blobs.unlink(repo('other'), digest('layer')), 'referenced');
    });
  });
}

function describeManifests(ctx: StoreContext): void {
  describe('manifests', () => {
    it('put stores the exact bytes, readable by tag and by digest', async () => {
      const img = await pushImage(ctx.store, 'app', { seed: 1, blobs: [digest('c'), digest('l')], tag: 'v1', mediaType: MediaType.DockerManifest });
      const expected = { digest: img.digest, mediaType: MediaType.DockerManifest, sizeBytes: img.content.length, content: img.content };
      assert.deepEqual(await ctx.store.manifests.get(repo('app'), byTag('v1')), expected);
      assert.deepEqual(await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: img.digest }), expected);
      assert.equal(await ctx.store.repositories.exists(repo('app')), true);
    });

    it('get answers undefined for an unknown tag, digest, or a manifest of another repository', async () => {
      const img = await pushImage(ctx.store, 'app', { seed: 1, blobs: [digest('c')], tag: 'v1' });
      assert.equal(await ctx.store.manifests.get(repo('app'), byTag('v2')), undefined);
      assert.equal(await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: digest('nope') }), undefined);
      assert.equal(await ctx.store.manifests.get(repo('elsewhere'), { kind: 'digest', digest: img.digest }), undefined);
      assert.equal(await ctx.store.manifests.get(repo('elsewhere'), byTag('v1')), undefined);
    });

    it('put throws MANIFEST_BLOB_UNKNOWN listing exactly what is missing, and stores nothing', async () => {
      await ctx.store.blobs.link(repo('app'), digest('present'), 1);
      await ctx.store.blobs.link(repo('elsewhere'), digest('other-repo'), 1);
      const child = await pushImage(ctx.store, 'app', { seed: 'child', blobs: [digest('present')] });
      const bad = manifest('app', { seed: 'bad', blobs: [digest('present'), digest('gone'), digest('other-repo')], tag: 'bad' });
      await assert.rejects(ctx.store.manifests.put(bad), (err: unknown) => {
        assert.ok(isBerthError(err, 'MANIFEST_BLOB_UNKNOWN'), String(err));
        assert.deepEqual(err.detail?.missing, [digest('gone'), digest('other-repo')]);
        return true;
      });
      const badIndex = manifest('fresh', { seed: 'idx', manifests: [child.digest, digest('no-manifest')], tag: 'bad' });
      await assert.rejects(ctx.store.manifests.put(badIndex), (err: unknown) => {
        assert.ok(isBerthError(err, 'MANIFEST_BLOB_UNKNOWN'), String(err));
        assert.deepEqual(err.detail?.missing, [child.digest, digest('no-manifest')]);
        return true;
      });
      assert.equal(await ctx.store.manifests.get(repo('app'), byTag('bad')), undefined);
      assert.equal(await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: bad.digest }), undefined);
      assert.equal(await ctx.store.repositories.exists(repo('fresh')), false);
      assert.deepEqual((await ctx.store.tags.list(repo('app'), {})).items, []);
    });

    it('put is idempotent', async () => {
      const img = await pushImage(ctx.store, 'app', { seed: 1, blobs: [digest('c')], tag: 'v1' });
      await ctx.store.manifests.put(img);
      await ctx.store.manifests.put(img);
      assert.deepEqual((await ctx.store.tags.list(repo('app'), {})).items, ['v1']);
      assert.deepEqual((await ctx.store.manifests.get(repo('app'), byTag('v1')))?.content, img.content);
      assert.equal(await ctx.store.manifests.delete(repo('app'), img.digest), 'deleted');
      assert.equal(await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: img.digest }), undefined);
    });

    it('a tag follows the last put that names it', async () => {
      const a = await pushImage(ctx.store, 'app', { seed: 'a', blobs: [digest('c')], tag: 'latest' });
      const b = await pushImage(ctx.store, 'app', { seed: 'b', blobs: [digest('c')], tag: 'latest' });
      assert.equal((await ctx.store.manifests.get(repo('app'), byTag('latest')))?.digest, b.digest);
      await ctx.store.manifests.put(a);
      assert.equal((await ctx.store.manifests.get(repo('app'), byTag('latest')))?.digest, a.digest);
      assert.deepEqual((await ctx.store.tags.list(repo('app'), {})).items, ['latest']);
      assert.equal((await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: b.digest }))?.digest, b.digest);
    });

    it('the same manifest in two repositories is deleted from one only', async () => {
      const img = await pushImage(ctx.store, 'one', { seed: 's', blobs: [digest('c')], tag: 'v1' });
      await pushImage(ctx.store, 'two', { seed: 's', blobs: [digest('c')], tag: 'v1' });
      assert.equal(await ctx.store.manifests.delete(repo('one'), img.digest), 'deleted');
      assert.equal(await ctx.store.manifests.get(repo('one'), byTag('v1')), undefined);
      assert.deepEqual((await ctx.store.manifests.get(repo('two'), byTag('v1')))?.content, img.content);
    });

    it('delete removes the manifest\'s tags and no other, then reports absent', async () => {
      const a = await pushImage(ctx.store, 'app', { seed: 'a', blobs: [digest('c')], tag: 't1' });
      await ctx.store.manifests.put({ ...a, tag: tag('t2') });
      const b = await pushImage(ctx.store, 'app', { seed: 'b', blobs: [digest('c')], tag: 't3' });
      await pushImage(ctx.store, 'mirror', { seed: 'a', blobs: [digest('c')], tag: 't1' });
      assert.equal(await ctx.store.manifests.delete(repo('app'), a.digest), 'deleted');
      assert.deepEqual((await ctx.store.tags.list(repo('app'), {})).items, ['t3']);
      assert.equal(await ctx.store.manifests.get(repo('app'), byTag('t1')), undefined);
      assert.equal((await ctx.store.manifests.get(repo('app'), byTag('t3')))?.digest, b.digest);
      assert.equal((await ctx.store.manifests.get(repo('mirror'), byTag('t1')))?.digest, a.digest);
      assert.equal(await ctx.store.manifests.delete(repo('app'), a.digest), 'absent');
      assert.equal(await ctx.store.manifests.delete(repo('nowhere'), a.digest), 'absent');
    });

    it('delete refuses while an index of the repository lists the manifest', async () => {
      const amd = await pushImage(ctx.store, 'app', { seed: 'amd64', blobs: [digest('c1')] });
      const arm = await pushImage(ctx.store, 'app', { seed: 'arm64', blobs: [digest('c2')] });
      const index = manifest('app', { seed: 'index', manifests: [amd.digest, arm.digest], tag: 'multi' });
      await ctx.store.manifests.put(index);
      assert.equal((await ctx.store.manifests.get(repo('app'), byTag('multi')))?.mediaType, MediaType.OciIndex);
      assert.equal(await ctx.store.manifests.delete(repo('app'), amd.digest), 'referenced');
      assert.equal((await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: amd.digest }))?.digest, amd.digest);
      // The same child in a repository without the index can go.
      await pushImage(ctx.store, 'solo', { seed: 'amd64', blobs: [digest('c1')] });
      assert.equal(await ctx.store.manifests.delete(repo('solo'), amd.digest), 'deleted');
      assert.equal(await ctx.store.manifests.delete(repo('app'), index.digest), 'deleted');
      assert.equal(await ctx.store.manifests.delete(repo('app'), amd.digest), 'deleted');
      assert.equal(await ctx.store.manifests.delete(repo('app'), arm.digest), 'deleted');
    });
  });
}

function describeTags(ctx: StoreContext): void {
  describe('tags', () => {
    it('delete removes exactly that tag; the manifest and its other tags stay', async () => {
      const img = await pushImage(ctx.store, 'app', { seed: 1, blobs: [digest('c')], tag: 'v1' });
      for (const t of ['v1.0', 'V1', 'v10']) await ctx.store.manifests.put({ ...img, tag: tag(t) });
      await pushImage(ctx.store, 'other', { seed: 1, blobs: [digest('c')], tag: 'v1' });
      assert.equal(await ctx.store.tags.delete(repo('app'), tag('v1')), true);
      assert.equal(await ctx.store.tags.delete(repo('app'), tag('v1')), false);
      assert.deepEqual((await ctx.store.tags.list(repo('app'), {})).items, ['V1', 'v1.0', 'v10']);
      assert.equal(await ctx.store.manifests.get(repo('app'), byTag('v1')), undefined);
      assert.equal((await ctx.store.manifests.get(repo('app'), byTag('V1')))?.digest, img.digest);
      assert.equal((await ctx.store.manifests.get(repo('app'), { kind: 'digest', digest: img.digest }))?.digest, img.digest);
      assert.equal((await ctx.store.manifests.get(repo('other'), byTag('v1')))?.digest, img.digest);
      assert.equal(await ctx.store.tags.delete(repo('nowhere'), tag('v1')), false);
    });
  });
}

function describeReferrers(ctx: StoreContext): void {
  describe('referrers', () => {
    it('lists manifests whose subject is the digest, with artifactType and annotations as put', async () => {
      const subject = await pushImage(ctx.store, 'app', { seed: 'subject', blobs: [digest('c')], tag: 'v1' });
      const annotations = { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'com.example/ünïcode': 'värde "quoted" \\ {}' };
      const sig = await pushImage(ctx.store, 'app', { seed: 'sig', blobs: [digest('e')], subject: subject.digest, artifactType: 'application/vnd.example.sig', annotations });
      const sbom = await pushImage(ctx.store, 'app', { seed: 'sbom', blobs: [digest('e')], subject: subject.digest, artifactType: 'application/spdx+json' });
      const bare = await pushImage(ctx.store, 'app', { seed: 'bare', blobs: [digest('e')], subject: subject.digest });
      await pushImage(ctx.store, 'app', { seed: 'unrelated', blobs: [digest('e')], subject: digest('other'), artifactType: 'application/vnd.example.sig' });
      await pushImage(ctx.store, 'elsewhere', { seed: 'foreign', blobs: [digest('e')], subject: subject.digest, artifactType: 'application/vnd.example.sig' });

      const all = await ctx.store.manifests.referrers(repo('app'), subject.digest);
      const expected = [
        { mediaType: MediaType.OciManifest, digest: sig.digest, size: sig.content.length, artifactType: 'application/vnd.example.sig', annotations },
        { mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.content.length, artifactType: 'application/spdx+json' },
        { mediaType: MediaType.OciManifest, digest: bare.digest, size: bare.content.length },
      ].sort((a, b) => (a.digest < b.digest ? -1 : 1));
      assert.deepEqual(all, expected);
      assert.deepEqual(await ctx.store.manifests.referrers(repo('app'), subject.digest, 'application/vnd.example.sig'), expected.filter((r) => r.digest === sig.digest));
      assert.deepEqual(await ctx.store.manifests.referrers(repo('app'), subject.digest, 'application/none'), []);
      assert.deepEqual(await ctx.store.manifests.referrers(repo('app'), digest('never-pushed')), []);
    });

    it('a deleted referrer is no longer listed', async () => {
      const subject = await pushImage(ctx.store, 'app', { seed: 'subject', blobs: [digest('c')] });
      const sig = await pushImage(ctx.store, 'app', { seed: 'sig', blobs: [digest('e')], subject: subject.digest, artifactType: 'a/b' });
      assert.equal((await ctx.store.manifests.referrers(repo('app'), subject.digest)).length, 1);
      assert.equal(await ctx.store.manifests.delete(repo('app'), sig.digest), 'deleted');
      assert.deepEqual(await ctx.store.manifests.referrers(repo('app'), subject.digest), []);
    });
  });
}

/** Blobs, manifests, tags and referrers: the content half of the metadata store contract. */
export function describeContentContract(ctx: StoreContext): void {
  describeBlobs(ctx);
  describeManifests(ctx);
  describeTags(ctx);
  describeReferrers(ctx);
}
