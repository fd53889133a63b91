import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { apiPlugin, type ApiPluginOptions } from '../api/api.plugin.ts';
import { tokenRoutes, type TokenRoutesDeps } from '../auth/token.routes.ts';
import { BerthError } from '../errors/berth-error.ts';
import { lazyChildLogger, type Logger } from '../log/logger.ts';
import { registryPlugin, type RegistryPluginOptions } from '../registry/registry.plugin.ts';
import type { V2Route } from '../registry/v2-route.ts';
import { errorResponse, rawErrorResponse } from './error-body.ts';
import { healthRoutes, type ReadinessCheck } from './health.routes.ts';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

export interface HttpServerDeps {
  log: Logger;
  trustProxy: boolean;
  /** Authentication, access control and audit of /v2 (everything the registry plugin takes but its routes). */
  registry: Omit<RegistryPluginOptions, 'routes'>;
  /** The Docker token endpoint, /auth/token. */
  tokenEndpoint: TokenRoutesDeps;
  /** The management REST API, /api/v1. */
  api: ApiPluginOptions;
  registryRoutes: V2Route[];
  readiness: ReadinessCheck[];
}

/**
 * The HTTP edge: request ids, one access-log line per request, one error serializer, and the route groups.
 * Node's request timeout is off: a multi-gigabyte layer push over a slow link must not be cut at 5 minutes.
 */
export async function buildHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One access line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings) => lazyChildLogger(logger as Logger, bindings) as FastifyBaseLogger,
    exposeHeadRoutes: false,
    trustProxy: deps.trustProxy,
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    // Honour a caller's request id (a proxy's, a CI job's) when it is sane; otherwise make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return;
      const code = (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
      socket.end(rawErrorResponse(code));
    },
  });

  // Callback-style hooks: an async hook costs a promise per request on the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id);
    done();
  });
  // The access log is written at info; with the level above that (the level is fixed at start-up) the hook
  // would only cost time on every request.
  if (deps.log.isLevelEnabled('info')) {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.info({ method: req.method, url: req.url, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
      done();
    });
  }

  app.setErrorHandler(async (err, req, reply) => {
    const response = errorResponse(err, req.url.startsWith('/v2'));
    if (response.isUnexpected) req.log.error({ err }, 'request failed');
    else req.log.debug({ code: (err as { code?: string }).code, message: (err as Error).message }, 'request refused');
    // A body we refused to read must not be parsed as the next request on this connection.
    if (!req.raw.complete) reply.header('Connection', 'close');
    await reply.code(response.status).headers(response.headers).header('Content-Type', response.contentType).send(JSON.stringify(response.body));
  });
  app.setNotFoundHandler(async (req, reply) => {
    const response = errorResponse(new BerthError('NOT_FOUND'), req.url.startsWith('/v2'));
    await reply.code(404).header('Content-Type', response.contentType).send(JSON.stringify(response.body));
  });

  await app.register(healthRoutes, { checks: deps.readiness });
  await app.register(tokenRoutes, deps.tokenEndpoint);
  await app.register(registryPlugin, { routes: deps.registryRoutes, ...deps.registry });
  await app.register(apiPlugin, deps.api);
  return app;
}
