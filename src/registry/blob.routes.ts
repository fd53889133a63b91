import { BerthError } from '../errors/berth-error.ts';
import { parseDigest } from '../oci/digest.ts';
import type { BlobService } from './blob.service.ts';
import { pullRequest, type PullPolicies } from './pull-policy.enforcer.ts';
import { parseRangeHeader } from './byte-range.ts';
import { decodeSegment } from './v2-path.ts';
import { route, type V2Context, type V2Route } from './v2-route.ts';

/** GET/HEAD/DELETE /v2/<name>/blobs/<digest>, with Range (206/416), ETag and If-None-Match (304). */
export function blobRoutes(blobs: BlobService, pullPolicies?: PullPolicies): V2Route[] {
  async function read(ctx: V2Context<'blob'>, withBody: boolean): Promise<void> {
    const { reply, req } = ctx;
    const digest = parseDigest(decodeSegment(ctx.endpoint.digest));
    const sizeBytes = await blobs.stat(ctx.repo, digest);
    if (withBody && pullPolicies) await pullPolicies.checkBlobPull(pullRequest(ctx), digest);
    const etag = `"${digest}"`;
    reply.header('Docker-Content-Digest', digest).header('ETag', etag).header('Accept-Ranges', 'bytes').header('Cache-Control', 'max-age=31536000');
    if (req.headers['if-none-match'] === etag) {
      await reply.code(304).send();
      return;
    }
    const range = parseRangeHeader(req.headers.range, sizeBytes);
    if (range === 'unsatisfiable') {
      throw new BerthError('RANGE_NOT_SATISFIABLE', { detail: { sizeBytes }, headers: { 'Content-Range': `bytes */${sizeBytes}` } });
    }
    reply.header('Content-Type', 'application/octet-stream');
    if (range) reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${sizeBytes}`);
    reply.header('Content-Length', range ? range.end - range.start + 1 : sizeBytes);
    if (!withBody) {
      await reply.send();
      return;
    }
    await reply.send(await blobs.open(digest, range));
  }

  return [
    route('blob', 'GET', 'pull', (ctx) => read(ctx, true)),
    route('blob', 'HEAD', 'pull', (ctx) => read(ctx, false)),
    route('blob', 'DELETE', 'delete', async (ctx) => {
      await blobs.delete(ctx.repo, parseDigest(decodeSegment(ctx.endpoint.digest)));
      await ctx.reply.code(202).send();
    }),
  ];
}
