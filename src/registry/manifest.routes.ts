import type { FastifyRequest } from 'fastify';
import { BerthError } from '../errors/berth-error.ts';
import { parseReference } from '../oci/names.ts';
import { acceptedTypes } from './manifest-negotiation.ts';
import type { ManifestService } from './manifest.service.ts';
import { pullRequest, type PullPolicies } from './pull-policy.enforcer.ts';
import { decodeSegment } from './v2-path.ts';
import { route, type V2Context, type V2Route } from './v2-route.ts';
import { warningHeaderValue } from './warning-header.ts';

/** Reads a request body of at most `maxBytes`; a larger one is refused before it is read whole. */
async function readLimitedBody(req: FastifyRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = (sizeBytes: number) => new BerthError('MANIFEST_TOO_LARGE', { detail: { sizeBytes, maxBytes } });
  if (declared > maxBytes) throw tooLarge(declared);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req.raw) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw tooLarge(total);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function contentTypeOf(req: FastifyRequest): string {
  return String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>. */
export function manifestRoutes(manifests: ManifestService, pullPolicies?: PullPolicies): V2Route[] {
  async function read(ctx: V2Context<'manifest'>, withBody: boolean): Promise<void> {
    const ref = parseReference(decodeSegment(ctx.endpoint.reference));
    const manifest = await manifests.get(ctx.repo, ref, acceptedTypes(ctx.req.headers.accept));
    // Pull policies judge pulls by tag only: HEAD and GET by digest are what signing tools use (#7).
    if (withBody && ref.kind === 'tag' && pullPolicies) await pullPolicies.checkManifestPull(pullRequest(ctx), ref.tag, manifest);
    ctx.reply
      .header('Content-Type', manifest.mediaType)
      .header('Docker-Content-Digest', manifest.digest)
      .header('ETag', `"${manifest.digest}"`)
      .header('Content-Length', manifest.sizeBytes);
    if (ctx.req.headers['if-none-match'] === `"${manifest.digest}"`) {
      await ctx.reply.code(304).send();
      return;
    }
    await ctx.reply.send(withBody ? manifest.content : undefined);
  }

  return [
    route('manifest', 'GET', 'pull', (ctx) => read(ctx, true)),
    route('manifest', 'HEAD', 'pull', (ctx) => read(ctx, false)),
    route('manifest', 'PUT', 'push', async (ctx) => {
      const ref = parseReference(decodeSegment(ctx.endpoint.reference));
      const body = await readLimitedBody(ctx.req, manifests.maxBytes);
      const result = await manifests.put(ctx.repo, ref, contentTypeOf(ctx.req), body, ctx.principal.name);
      if (result.subject) ctx.reply.header('OCI-Subject', result.subject);
      if (result.movedFrom !== undefined) ctx.tagMovedFrom = result.movedFrom;
      pullPolicies?.contentChanged({ kind: 'push', repo: ctx.repo, digest: result.digest, ...(ref.kind === 'tag' ? { tag: ref.tag } : {}), ...(result.subject ? { subject: result.subject } : {}) });
      if (result.warnings) ctx.reply.header('Warning', result.warnings.map(warningHeaderValue));
      await ctx.reply.code(201).header('Location', `/v2/${ctx.repo}/manifests/${result.digest}`).header('Docker-Content-Digest', result.digest).send();
    }),
    route('manifest', 'DELETE', 'delete', async (ctx) => {
      const ref = parseReference(decodeSegment(ctx.endpoint.reference));
      await manifests.delete(ctx.repo, ref, ctx.principal.name);
      pullPolicies?.contentChanged({ kind: 'delete', repo: ctx.repo, ...(ref.kind === 'tag' ? { tag: ref.tag } : { digest: ref.digest }) });
      await ctx.reply.code(202).send();
    }),
  ];
}
