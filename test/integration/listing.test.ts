import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { expectOciError, OCI_MANIFEST, pushBlob, pushImage, putManifest } from '../helpers/oci-client.ts';

const TAGS = ['latest', 'Latest', 'LATEST', 'v1.0', 'v1.0-rc1', 'v1_0', 'v1-0', '1', '10', '2', '_under', 'a.b', 'z', 'Z9', '0.1'];
/**
 * Berth sorts tags bytewise ("ASCIIbetical", Go's sort.Strings, as Distribution does): digits < uppercase < `_` <
 * lowercase. The spec's wording says "lexical (i.e. case-insensitive alphanumeric)"; its conformance suite accepts
 * either order, and bytewise keeps `last` paging exact across case variants.
 */
const SORTED = [...TAGS].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
const REPOS = ['list/b', 'list/a', 'list/a/sub', 'list/a-b', 'list/a.b', 'list/a_b', 'list0', 'listz'];

interface Page {
  status: number;
  link: string | null;
  body: Record<string, unknown>;
}

/** Parses `Link: <url>; rel="next"`, asserting its shape. */
function nextUrl(link: string): string {
  const m = /^<([^>]+)>; rel="next"$/.exec(link);
  assert.ok(m, `malformed Link header: ${link}`);
  return m[1]!;
}

describe('listing: tags/list and _catalog', () => {
  let berth: TestBerth;

  async function get(path: string): Promise<Page> {
    const res = await fetch(new URL(path, berth.url));
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    return { status: res.status, link: res.headers.get('link'), body: (await res.json()) as Record<string, unknown> };
  }

  /** Follows Link headers from `first` until none is left; returns the pages' `key` arrays in order. */
  async function walk(first: string, key: string): Promise<string[][]> {
    const pages: string[][] = [];
    let path: string | undefined = first;
    while (path !== undefined) {
      const page = await get(path);
      assert.equal(page.status, 200);
      pages.push(page.body[key] as string[]);
      path = page.link === null ? undefined : nextUrl(page.link);
      assert.ok(pages.length <= 100, 'the Link chain does not end');
    }
    return pages;
  }

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    const image = await pushImage(berth.url, 'list/tags', TAGS[0]!);
    for (const tag of TAGS.slice(1)) {
      const res = await putManifest(berth.url, 'list/tags', tag, image.manifest, OCI_MANIFEST);
      assert.equal(res.status, 201);
    }
    for (const repo of REPOS) await pushBlob(berth.url, repo, `blob of ${repo}`);
  });
  after(() => berth.stop());

  describe('tags/list', () => {
    it('lists every tag in lexical (bytewise) order', async () => {
      const page = await get('/v2/list/tags/tags/list');
      assert.equal(page.status, 200);
      assert.deepEqual(page.body, { name: 'list/tags', tags: SORTED });
      assert.equal(page.link, null);
    });

    it('n limits the page and Link points at the next one with n and last', async () => {
      const page = await get('/v2/list/tags/tags/list?n=4');
      assert.deepEqual(page.body.tags, SORTED.slice(0, 4));
      assert.equal(page.link, `</v2/list/tags/tags/list?n=4&last=${encodeURIComponent(SORTED[3]!)}>; rel="next"`);
    });

    for (const n of [1, 2, 4, 7, 14]) {
      it(`walking the Link headers with n=${n} yields every tag once, in order`, async () => {
        const pages = await walk(`/v2/list/tags/tags/list?n=${n}`, 'tags');
        assert.deepEqual(pages.flat(), SORTED);
        for (const p of pages) assert.ok(p.length >= 1 && p.length <= n);
        assert.equal(pages.length, Math.ceil(SORTED.length / n));
      });
    }

    it('n equal to or above the tag count returns everything with no Link', async () => {
      for (const n of [SORTED.length, SORTED.length + 1, 10_000_000]) {
        const page = await get(`/v2/list/tags/tags/list?n=${n}`);
        assert.deepEqual(page.body.tags, SORTED);
        assert.equal(page.link, null, `n=${n}`);
      }
    });

    it('last alone starts strictly after that value, even one that is not a tag', async () => {
      assert.deepEqual((await get(`/v2/list/tags/tags/list?last=${encodeURIComponent(SORTED[5]!)}`)).body.tags, SORTED.slice(6));
      assert.deepEqual((await get('/v2/list/tags/tags/list?last=m')).body.tags, SORTED.filter((t) => t > 'm'));
      assert.deepEqual((await get('/v2/list/tags/tags/list?last=zzz')).body.tags, []);
      assert.deepEqual((await get('/v2/list/tags/tags/list?n=2&last=Latest')).body.tags, SORTED.slice(SORTED.indexOf('Latest') + 1, SORTED.indexOf('Latest') + 3));
    });

    it('n=0 returns an empty list and no Link', async () => {
      const page = await get('/v2/list/tags/tags/list?n=0');
      assert.equal(page.status, 200);
      assert.deepEqual(page.body, { name: 'list/tags', tags: [] });
      assert.equal(page.link, null);
    });

    for (const n of ['-1', 'abc', '1.5', '1e3', ' 2']) {
      it(`n=${JSON.stringify(n)} is 400`, async () => {
        // The spec's code table has no pagination code; its UNSUPPORTED covers "an invalid set of parameters".
        await expectOciError(await fetch(`${berth.url}/v2/list/tags/tags/list?n=${encodeURIComponent(n)}`), 400, 'UNSUPPORTED');
      });
    }

    it('an unknown repository is 404 NAME_UNKNOWN', async () => {
      await expectOciError(await fetch(`${berth.url}/v2/list/nothing/tags/list`), 404, 'NAME_UNKNOWN');
      await expectOciError(await fetch(`${berth.url}/v2/list/nothing/tags/list?n=1`), 404, 'NAME_UNKNOWN');
    });

    it('a repository with blobs but no tags lists an empty array', async () => {
      assert.deepEqual((await get('/v2/list/b/tags/list')).body, { name: 'list/b', tags: [] });
    });

    it('a deleted tag disappears from the list', async () => {
      const image = await pushImage(berth.url, 'list/deleting', 'one');
      await putManifest(berth.url, 'list/deleting', 'two', image.manifest, OCI_MANIFEST);
      assert.equal((await fetch(`${berth.url}/v2/list/deleting/manifests/one`, { method: 'DELETE' })).status, 202);
      assert.deepEqual((await get('/v2/list/deleting/tags/list')).body.tags, ['two']);
    });
  });

  describe('_catalog', () => {
    let all: string[];
    before(async () => {
      const page = await get('/v2/_catalog');
      assert.equal(page.status, 200);
      all = page.body.repositories as string[];
    });

    it('lists every repository in lexical order', async () => {
      const expected = [...REPOS, 'list/tags'].sort();
      assert.deepEqual(all.filter((r) => expected.includes(r)), expected);
      assert.deepEqual(all, [...all].sort());
      assert.ok(!all.includes('list/nothing'));
    });

    it('paginates with n, last and a Link chain that visits every repository once', async () => {
      const first = await get('/v2/_catalog?n=3');
      assert.deepEqual(first.body.repositories, all.slice(0, 3));
      assert.equal(first.link, `</v2/_catalog?n=3&last=${encodeURIComponent(all[2]!)}>; rel="next"`);
      for (const n of [1, 3, 5]) {
        const pages = await walk(`/v2/_catalog?n=${n}`, 'repositories');
        assert.deepEqual(pages.flat(), all);
      }
    });

    it('last alone, n=0 and an invalid n behave as for tags', async () => {
      assert.deepEqual((await get(`/v2/_catalog?last=${encodeURIComponent('list/a')}`)).body.repositories, all.slice(all.indexOf('list/a') + 1));
      const zero = await get('/v2/_catalog?n=0');
      assert.deepEqual(zero.body, { repositories: [] });
      assert.equal(zero.link, null);
      await expectOciError(await fetch(`${berth.url}/v2/_catalog?n=-5`), 400, 'UNSUPPORTED');
    });
  });
});
