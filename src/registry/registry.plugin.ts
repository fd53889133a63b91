import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authorizer } from '../auth/authorizer.ts';
import { BerthError } from '../errors/berth-error.ts';
import { parseRepoName, type RepoName } from '../oci/names.ts';
import { parseV2Path, type V2Endpoint } from './v2-path.ts';
import type { HttpMethod, V2Route } from './v2-route.ts';

const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
const METHODS: HttpMethod[] = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];

function splitUrl(rawUrl: string): { path: string; query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  return q === -1 ? { path: rawUrl, query: new URLSearchParams() } : { path: rawUrl.slice(0, q), query: new URLSearchParams(rawUrl.slice(q + 1)) };
}

/**
 * The /v2 API. Repository names contain slashes, so Fastify hands every /v2 request to one dispatcher that
 * recognises the endpoint from the raw (undecoded) path, validates the name, asks the authorizer about the
 * route's declared action, and only then calls the route. Bodies are never parsed here: routes stream them.
 */
export async function registryPlugin(app: FastifyInstance, opts: { routes: V2Route[]; authorizer: Authorizer }): Promise<void> {
  const table = new Map<string, V2Route>();
  for (const r of opts.routes) {
    const key = `${r.kind} ${r.method}`;
    if (table.has(key)) throw new Error(`duplicate /v2 route ${key}`);
    table.set(key, r);
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  app.addHook('onRequest', async (_req, reply) => {
    reply.header(API_VERSION_HEADER, 'registry/2.0');
  });

  async function dispatch(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { path, query } = splitUrl(req.raw.url ?? '');
    const rest = path === '/v2' ? '' : path.slice('/v2/'.length);
    const endpoint: V2Endpoint | undefined = parseV2Path(rest);
    if (!endpoint) throw new BerthError('NOT_FOUND', { detail: { path: path.slice(0, 300) } });
    const principal = await opts.authorizer.authenticate(req.headers);
    if (endpoint.kind === 'base') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new BerthError('UNSUPPORTED', { headers: { Allow: 'GET, HEAD' } });
      await reply.header('Content-Type', 'application/json').send('{}');
      return;
    }
    const route = table.get(`${endpoint.kind} ${req.method}`);
    if (!route) {
      const allowed = METHODS.filter((m) => table.has(`${endpoint.kind} ${m}`)).join(', ');
      throw new BerthError('UNSUPPORTED', { message: `${req.method} is not supported on this endpoint`, headers: { Allow: allowed } });
    }
    const repo = 'name' in endpoint ? parseRepoName(endpoint.name) : undefined;
    if (!(await opts.authorizer.can(principal, route.action, repo))) {
      throw new BerthError(principal.kind === 'anonymous' ? 'UNAUTHORIZED' : 'DENIED');
    }
    await route.handle({ req, reply, endpoint, repo: repo as RepoName, principal, query } as never);
  }

  // OPTIONS reaches the dispatcher too, so a known endpoint answers 405 with Allow rather than 404.
  const routed = [...METHODS, 'OPTIONS'];
  app.route({ method: routed, url: '/v2', handler: dispatch });
  app.route({ method: routed, url: '/v2/*', handler: dispatch });
}
