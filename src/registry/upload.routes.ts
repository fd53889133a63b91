import type { FastifyRequest } from 'fastify';
import { BerthError } from '../errors/berth-error.ts';
import { parseDigest, type Digest } from '../oci/digest.ts';
import { isRepoName, type RepoName } from '../oci/names.ts';
import type { BlobRepo } from '../meta/meta-store.ts';
import { parseContentRange } from './byte-range.ts';
import { uploadRangeHeader, type ChunkInput, type UploadService } from './upload.service.ts';
import { decodeSegment } from './v2-path.ts';
import { route, type V2Context, type V2Route } from './v2-route.ts';

type ReplyContext = Pick<V2Context, 'reply' | 'repo' | 'query' | 'mayPull'>;

/** Repositories searched for an automatic mount (`mount` without `from`); enough for any real layer. */
const AUTO_MOUNT_CANDIDATES = 20;

function declaredLength(req: FastifyRequest): number | undefined {
  const raw = req.headers['content-length'];
  return raw === undefined ? undefined : Number(raw);
}

/** The request's body as a chunk, or undefined when it has none (no Content-Length and not chunked). */
function chunkOf(req: FastifyRequest): ChunkInput | undefined {
  const lengthBytes = declaredLength(req);
  const isChunked = /chunked/i.test(String(req.headers['transfer-encoding'] ?? ''));
  if (!isChunked && (lengthBytes === undefined || lengthBytes === 0)) return undefined;
  let range;
  const header = req.headers['content-range'];
  if (header !== undefined) {
    range = parseContentRange(header);
    if (!range) throw new BerthError('RANGE_INVALID', { message: `malformed Content-Range: ${header.slice(0, 100)}` });
  }
  return { body: req.raw, ...(lengthBytes !== undefined ? { lengthBytes } : {}), ...(range ? { range } : {}) };
}

function emptyChunk(req: FastifyRequest): ChunkInput {
  return chunkOf(req) ?? { body: req.raw, lengthBytes: 0 };
}

function requiredDigest(query: URLSearchParams): Digest {
  const raw = query.get('digest');
  if (raw === null) throw new BerthError('DIGEST_INVALID', { message: 'the digest query parameter is required to complete an upload' });
  return parseDigest(raw);
}

function uploadLocation(repo: RepoName, id: string): string {
  return `/v2/${repo}/blobs/uploads/${id}`;
}

/**
 * The upload protocol: POST (session, monolithic `?digest=`, mount `?mount=&from=`), PATCH (chunks with or
 * without Content-Range), PUT (complete), GET (status) and DELETE (cancel).
 */
export function uploadRoutes(deps: { uploads: UploadService; blobs: BlobRepo }): V2Route[] {
  const { uploads } = deps;

  async function sessionReply(ctx: ReplyContext, id: string, sizeBytes: number, status: number): Promise<void> {
    await ctx.reply
      .code(status)
      .header('Location', uploadLocation(ctx.repo, id))
      .header('Range', uploadRangeHeader(sizeBytes))
      .header('Docker-Upload-UUID', id)
      .send();
  }

  async function createdReply(ctx: ReplyContext, digest: Digest): Promise<void> {
    await ctx.reply.code(201).header('Location', `/v2/${ctx.repo}/blobs/${digest}`).header('Docker-Content-Digest', digest).send();
  }

  /** Source repositories a mount may use: `from` if the caller can read it, else any readable holder. */
  async function mountSources(ctx: ReplyContext, digest: Digest): Promise<RepoName[]> {
    const from = ctx.query.get('from');
    const candidates = from !== null ? (isRepoName(from) ? [from] : []) : await deps.blobs.repositoriesLinking(digest, AUTO_MOUNT_CANDIDATES);
    const readable: RepoName[] = [];
    for (const source of candidates) {
      if (await ctx.mayPull(source)) readable.push(source);
    }
    return readable;
  }

  return [
    route('uploads', 'POST', 'push', async (ctx) => {
      const mount = ctx.query.get('mount');
      if (mount !== null) {
        const digest = parseDigest(mount);
        if ((await uploads.mount(ctx.repo, digest, await mountSources(ctx, digest))) !== undefined) {
          await createdReply(ctx, digest);
          return;
        }
      }
      const digestParam = ctx.query.get('digest');
      if (digestParam !== null && mount === null) {
        const digest = parseDigest(digestParam);
        await uploads.putMonolithic(ctx.repo, digest, emptyChunk(ctx.req));
        await createdReply(ctx, digest);
        return;
      }
      await sessionReply(ctx, await uploads.start(ctx.repo), 0, 202);
    }),
    route('upload', 'PATCH', 'push', async (ctx) => {
      const id = decodeSegment(ctx.endpoint.id);
      const chunk = emptyChunk(ctx.req);
      const sizeBytes = await uploads.append(ctx.repo, id, chunk);
      await sessionReply(ctx, id, sizeBytes, 202);
    }),
    route('upload', 'PUT', 'push', async (ctx) => {
      const id = decodeSegment(ctx.endpoint.id);
      const digest = requiredDigest(ctx.query);
      await uploads.complete(ctx.repo, id, digest, chunkOf(ctx.req));
      await createdReply(ctx, digest);
    }),
    route('upload', 'GET', 'push', async (ctx) => {
      const id = decodeSegment(ctx.endpoint.id);
      await sessionReply(ctx, id, await uploads.status(ctx.repo, id), 204);
    }),
    route('upload', 'DELETE', 'push', async (ctx) => {
      await uploads.cancel(ctx.repo, decodeSegment(ctx.endpoint.id));
      await ctx.reply.code(204).send();
    }),
  ];
}
