import { BerthError } from '../errors/berth-error.ts';
import { parseDigest } from '../oci/digest.ts';
import type { Page, PageResult } from '../meta/meta-store.ts';
import type { CatalogService } from './catalog.service.ts';
import type { ManifestService } from './manifest.service.ts';
import { decodeSegment } from './v2-path.ts';
import { route, type V2Context, type V2Route } from './v2-route.ts';

/** Upper bound on one page; a larger `n` is reduced to it and the Link header carries on. */
const MAX_PAGE = 10_000;
/** The catalog can be huge: without `n` it still pages, as Distribution does. */
const DEFAULT_CATALOG_PAGE = 1_000;

function parsePage(query: URLSearchParams, defaultN?: number): Page {
  const rawN = query.get('n');
  const last = query.get('last') ?? undefined;
  if (rawN === null || rawN === '') return { ...(defaultN !== undefined ? { n: defaultN } : {}), ...(last ? { last } : {}) };
  if (!/^\d+$/.test(rawN)) throw new BerthError('PAGINATION_INVALID', { message: `n must be a non-negative integer, got ${rawN.slice(0, 20)}` });
  return { n: Math.min(Number(rawN), MAX_PAGE), ...(last ? { last } : {}) };
}

/** RFC 5988 `Link` to the next page, as the distribution spec describes. */
function setNextLink(ctx: Pick<V2Context, 'reply'>, path: string, page: Page, result: PageResult<string>): void {
  // n=0 asks for an empty page: a Link from it would carry no `last` and lead nowhere.
  const last = result.items.at(-1);
  if (!result.hasMore || page.n === undefined || last === undefined) return;
  ctx.reply.header('Link', `<${path}?n=${page.n}&last=${encodeURIComponent(last)}>; rel="next"`);
}

/** Tag listing, the catalog and the referrers API: the read-only listings of the registry. */
export function listingRoutes(deps: { catalog: CatalogService; manifests: ManifestService }): V2Route[] {
  return [
    route('tags', 'GET', 'pull', async (ctx) => {
      const page = parsePage(ctx.query);
      const result = await deps.catalog.tags(ctx.repo, page);
      setNextLink(ctx, `/v2/${ctx.repo}/tags/list`, page, result);
      await ctx.reply.send({ name: ctx.repo, tags: result.items });
    }),
    route('catalog', 'GET', 'catalog', async (ctx) => {
      const page = parsePage(ctx.query, DEFAULT_CATALOG_PAGE);
      const result = await deps.catalog.repositories(page);
      setNextLink(ctx, '/v2/_catalog', page, result);
      await ctx.reply.send({ repositories: result.items });
    }),
    route('referrers', 'GET', 'pull', async (ctx) => {
      const subject = parseDigest(decodeSegment(ctx.endpoint.digest));
      const artifactType = ctx.query.get('artifactType') ?? undefined;
      const { index, filtered } = await deps.manifests.referrers(ctx.repo, subject, artifactType);
      if (filtered) ctx.reply.header('OCI-Filters-Applied', 'artifactType');
      // A Buffer, not a string: Fastify would append `; charset=utf-8`, and the spec wants exactly the index type.
      await ctx.reply.header('Content-Type', 'application/vnd.oci.image.index.v1+json').send(Buffer.from(JSON.stringify(index)));
    }),
  ];
}
