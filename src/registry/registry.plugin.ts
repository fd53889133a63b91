import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedCaller, CallerContext } from '../auth/access.ts';
import type { RegistryGate } from '../auth/registry-gate.ts';
import { BerthError } from '../errors/berth-error.ts';
import { parseDigest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { parseReference, parseRepoName, type RepoName } from '../oci/names.ts';
import { decodeSegment, parseV2Path, type V2Endpoint } from './v2-path.ts';
import type { HttpMethod, V2Context, V2Route } from './v2-route.ts';

const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
const METHODS: HttpMethod[] = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];

function splitUrl(rawUrl: string): { path: string; query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  return q === -1 ? { path: rawUrl, query: new URLSearchParams() } : { path: rawUrl.slice(0, q), query: new URLSearchParams(rawUrl.slice(q + 1)) };
}

export interface RegistryPluginOptions {
  routes: V2Route[];
  /** Authentication, access control and audit for every /v2 request. */
  gate: RegistryGate;
  /** http.publicUrl: the base of the token realm in challenges; otherwise the request's own origin. */
  publicUrl?: string;
}

const codeOf = (err: unknown): string => (err instanceof BerthError ? err.code : 'INTERNAL');

/** Audit action per manifest method (HEAD is a cheap existence check clients repeat: not a pull). */
const MANIFEST_AUDIT: Partial<Record<string, string>> = { GET: 'registry.pull', PUT: 'registry.push', DELETE: 'registry.delete' };

/**
 * The /v2 API. Repository names contain slashes, so Fastify hands every /v2 request to one dispatcher that
 * recognises the endpoint from the raw (undecoded) path, validates the name, authenticates the caller and asks
 * the gate about the route's declared action, and only then calls the route. Bodies are never parsed here:
 * routes stream them.
 */
export async function registryPlugin(app: FastifyInstance, opts: RegistryPluginOptions): Promise<void> {
  const table = new Map<string, V2Route>();
  for (const r of opts.routes) {
    const key = `${r.kind} ${r.method}`;
    if (table.has(key)) throw new Error(`duplicate /v2 route ${key}`);
    table.set(key, r);
  }
  const { gate } = opts;
  const publicRealm = opts.publicUrl === undefined ? undefined : `${opts.publicUrl.replace(/\/+$/, '')}/auth/token`;
  const realmOf = (req: FastifyRequest) => publicRealm ?? `${req.protocol}://${req.host}/auth/token`;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header(API_VERSION_HEADER, 'registry/2.0');
    done();
  });

  async function dispatch(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { path, query } = splitUrl(req.raw.url ?? '');
    const rest = path === '/v2' ? '' : path.slice('/v2/'.length);
    const endpoint: V2Endpoint | undefined = parseV2Path(rest);
    if (!endpoint) throw new BerthError('NOT_FOUND', { detail: { path: path.slice(0, 300) } });
    const realm = realmOf(req);
    const ctx = gate.context(req.raw.socket.remoteAddress, req.headers['x-forwarded-for'], req.id);
    const caller = await gate.authenticate(req.headers.authorization, ctx, realm);
    if (endpoint.kind === 'base') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new BerthError('UNSUPPORTED', { headers: { Allow: 'GET, HEAD' } });
      await gate.admitBase(caller, ctx, realm);
      await reply.header('Content-Type', 'application/json').send('{}');
      return;
    }
    const route = table.get(`${endpoint.kind} ${req.method}`);
    if (!route) {
      const allowed = METHODS.filter((m) => table.has(`${endpoint.kind} ${m}`)).join(', ');
      throw new BerthError('UNSUPPORTED', { message: `${req.method} is not supported on this endpoint`, headers: { Allow: allowed } });
    }
    const repo = 'name' in endpoint ? parseRepoName(endpoint.name) : undefined;
    const context = {
      req, reply, endpoint, repo: repo as RepoName, principal: caller.principal, query,
      mayPull: (source: RepoName) => gate.mayPull(caller, source, ctx),
      audit: (event) => gate.record(caller, ctx, { repository: repo, ...event }),
    } as V2Context;
    const auditAction = endpoint.kind === 'manifest' ? MANIFEST_AUDIT[req.method] : route.action === 'delete' ? 'registry.delete' : undefined;
    if (auditAction === undefined) {
      if ((await gate.admit(caller, route.action, repo, ctx, realm)) === 'hidden') await answerAsMissing(context);
      else await route.handle(context as never);
      return;
    }
    await audited(route, context, auditAction, caller, ctx, realm);
  }

  /** Runs a manifest or delete route, recording its audit event(s): push, pull, delete and tag moves. */
  async function audited(route: V2Route, context: V2Context, action: string, caller: AuthenticatedCaller, ctx: CallerContext, realm: string): Promise<void> {
    const { endpoint, repo } = context;
    const reference = endpoint.kind === 'manifest' ? decodeSegment(endpoint.reference) : endpoint.kind === 'blob' ? decodeSegment(endpoint.digest) : undefined;
    const base = { action, repository: repo, ...(reference !== undefined ? { reference: reference.slice(0, 300) } : {}) };
    const isSignedIn = caller.principal.kind !== 'anonymous';
    let admission;
    try {
      admission = await gate.admit(caller, route.action, repo, ctx, realm);
    } catch (err) {
      // An anonymous 401 is the first leg of every Docker client's token dance, not an event worth keeping.
      if (isSignedIn || !(err instanceof BerthError && err.code === 'UNAUTHORIZED')) gate.record(caller, ctx, { ...base, result: 'denied', detail: { code: codeOf(err) } });
      throw err;
    }
    if (admission === 'hidden') {
      gate.record(caller, ctx, { ...base, result: 'denied', detail: { code: 'hidden' } });
      await answerAsMissing(context);
      return;
    }
    try {
      await route.handle(context as never);
    } catch (err) {
      gate.record(caller, ctx, { ...base, result: 'failure', detail: { code: codeOf(err) } });
      throw err;
    }
    const digestHeader = context.reply.getHeader('Docker-Content-Digest');
    const digest = typeof digestHeader === 'string' ? digestHeader : reference?.startsWith('sha') ? reference : undefined;
    gate.record(caller, ctx, { ...base, result: 'success', ...(digest ? { digest } : {}) });
    if (context.tagMovedFrom !== undefined && digest !== undefined) {
      gate.record(caller, ctx, { action: 'tag.move', result: 'success', repository: repo, reference, digest, detail: { from: context.tagMovedFrom, to: digest } });
    }
  }

  /** A read the caller may not do answers exactly as the endpoint answers for a repository that does not exist. */
  async function answerAsMissing(context: V2Context): Promise<void> {
    const { endpoint } = context;
    switch (endpoint.kind) {
      case 'manifest': {
        const ref = parseReference(decodeSegment(endpoint.reference));
        throw new BerthError('MANIFEST_UNKNOWN', { detail: ref.kind === 'tag' ? { tag: ref.tag } : { digest: ref.digest } });
      }
      case 'blob':
        throw new BerthError('BLOB_UNKNOWN', { detail: { digest: parseDigest(decodeSegment(endpoint.digest)) } });
      case 'referrers': {
        parseDigest(decodeSegment(endpoint.digest));
        if (context.query.get('artifactType') !== null) context.reply.header('OCI-Filters-Applied', 'artifactType');
        const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
        await context.reply.header('Content-Type', MediaType.OciIndex).send(Buffer.from(JSON.stringify(index)));
        return;
      }
      default:
        throw new BerthError('NAME_UNKNOWN', { detail: { name: context.repo } });
    }
  }

  // OPTIONS reaches the dispatcher too, so a known endpoint answers 405 with Allow rather than 404.
  const routed = [...METHODS, 'OPTIONS'];
  app.route({ method: routed, url: '/v2', handler: dispatch });
  app.route({ method: routed, url: '/v2/*', handler: dispatch });
}
