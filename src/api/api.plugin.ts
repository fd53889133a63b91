import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl, Authenticator, AuthenticatedCaller, CallerContext } from '../auth/access.ts';
import { ANONYMOUS } from '../auth/authorizer.ts';
import { clientIpText, type Cidr } from '../auth/ip-rules.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { Actor } from '../identity/identity-context.ts';
import type { IdentityServices } from '../identity/identity-services.ts';
import { parseInput } from '../identity/validate.ts';
import type { GcService } from '../gc/gc.service.ts';
import type { RetentionService } from '../versions/retention.service.ts';
import type { AnalysisService } from '../storage-report/analysis.service.ts';
import type { StorageReportService } from '../storage-report/storage-report.service.ts';
import type { TagListService } from '../versions/tag-list.service.ts';
import type { TagRuleService } from '../versions/tag-rule.service.ts';
import type { RollbackService } from '../versions/rollback.service.ts';
import type { PromotionGateService } from '../versions/promotion-gates.service.ts';
import type { PromotionService } from '../versions/promotion.service.ts';
import type { ReleaseNoteService } from '../versions/release-note.service.ts';
import { alertRoutes } from './alert.routes.ts';
import { analysisRoutes } from './analysis.routes.ts';
import { API_PREFIX, type ApiCaller, type ApiRoute } from './api-route.ts';
import { auditRoutes } from './audit.routes.ts';
import { gcRoutes } from './gc.routes.ts';
import { retentionRoutes } from './retention.routes.ts';
import { makeGuards } from './guards.ts';
import { ipRuleRoutes } from './ip-rule.routes.ts';
import { toJsonSchema } from './json-schema.ts';
import { meRoutes } from './me.routes.ts';
import { memberRoutes } from './member.routes.ts';
import { openApiRoute } from './openapi.ts';
import { projectRoutes } from './project.routes.ts';
import { promotionRoutes } from './promotion.routes.ts';
import { releaseNoteRoutes } from './release-note.routes.ts';
import { robotRoutes } from './robot.routes.ts';
import { scanPolicyRoutes } from './scan-policy.routes.ts';
import { scanRoutes } from './scan.routes.ts';
import type { RegistryScanning } from '../scan/registry/registry-scanning.ts';
import { storageRoutes } from './storage.routes.ts';
import { tagListRoutes } from './tag-list.routes.ts';
import { tagRuleRoutes } from './tag-rule.routes.ts';
import { tagHistoryRoutes } from './tag-history.routes.ts';
import { teamRoutes } from './team.routes.ts';
import { trustPolicyRoutes } from './trust-policy.routes.ts';
import type { TrustPolicyService } from '../trust/trust-policy.service.ts';
import { userRoutes } from './user.routes.ts';
import { vulndbRoutes } from './vulndb.routes.ts';
import type { VulnDbAdminService } from '../scan/vulndb/vulndb-admin.service.ts';
import type { VulnerabilityMatcher } from '../scan/match/vulnerability-matcher.ts';

export type ApiServices = IdentityServices & { storageReport: StorageReportService; analysis: AnalysisService; vulndb: VulnDbAdminService; matcher: VulnerabilityMatcher; rollback: RollbackService;
  promotions: PromotionService; promotionGates: PromotionGateService; releaseNotes: ReleaseNoteService;
  tagRules: TagRuleService; tagList: TagListService; gc: GcService; retention: RetentionService; trust: TrustPolicyService;
  scanning: Pick<RegistryScanning, 'scans' | 'reports' | 'policies'> };

export interface ApiPluginOptions {
  authenticator: Authenticator;
  access: AccessControl;
  services: ApiServices;
  /** auth.trustedProxies: X-Forwarded-For is honoured only from these. */
  trustedProxies: readonly Cidr[];
  /** auth.enabled: when false every caller may do everything (allowed on loopback only), as an admin. */
  isAuthEnabled: boolean;
  version: string;
}

/** JSON bodies of the management API are small; anything larger is refused before parsing. */
export const API_BODY_LIMIT_BYTES = 1024 * 1024;

const ANONYMOUS_CALLER: AuthenticatedCaller = { principal: ANONYMOUS, method: 'anonymous' };
/** With authentication off, everyone is treated as an administrator without an account. */
const OPEN_CALLER: AuthenticatedCaller = { principal: { kind: 'user', id: '', name: 'anonymous', isAdmin: true, isDisabled: false }, method: 'anonymous' };

/** Every route of the API, including the OpenAPI document's own. */
export function apiRoutes(opts: Pick<ApiPluginOptions, 'authenticator' | 'access' | 'services' | 'version'>): ApiRoute[] {
  const s = opts.services;
  const g = makeGuards({ access: opts.access, projects: s.projects, robots: s.robots });
  const routes = [
    ...meRoutes(s.users, opts.authenticator, g),
    ...userRoutes(s.users, g),
    ...teamRoutes(s.teams, g),
    ...projectRoutes(s.projects, g),
    ...memberRoutes(s.members, g),
    ...robotRoutes(s.robots, g),
    ...ipRuleRoutes(s.ipRules, s.robots, g),
    ...auditRoutes(s.audit, g),
    ...alertRoutes(s.alerts, g),
    ...storageRoutes({ report: s.storageReport, projects: s.projects, access: opts.access }, g),
    ...analysisRoutes({ analysis: s.analysis, access: opts.access }),
    ...vulndbRoutes({ admin: s.vulndb, matcher: s.matcher }, g),
    ...trustPolicyRoutes(s.trust, g),
    ...scanRoutes({ scans: s.scanning.scans, reports: s.scanning.reports, access: opts.access }, g),
    ...scanPolicyRoutes(s.scanning.policies, g),
    ...gcRoutes(s.gc, g),
    ...retentionRoutes(s.retention, g),
    ...tagRuleRoutes(s.tagRules, g),
    ...tagListRoutes({ tags: s.tagList, access: opts.access }),
    ...tagHistoryRoutes({ rollback: s.rollback, access: opts.access }),
    ...promotionRoutes({ promotions: s.promotions, gates: s.promotionGates, access: opts.access }, g),
    ...releaseNoteRoutes({ notes: s.releaseNotes, access: opts.access }),
  ];
  return [...routes, openApiRoute(routes, g.anyone, { version: opts.version })];
}

/**
 * The REST API under /api/v1: JSON bodies (at most 1 MiB), authentication through the Authenticator, each
 * route's declared permission checked before its body is even read, validation from the routes' schemas, and
 * problem+json errors (the server's error handler serializes them).
 */
export async function apiPlugin(app: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  const callers = new WeakMap<FastifyRequest, ApiCaller>();

  const sourceIp = (req: FastifyRequest): string => {
    return clientIpText(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustedProxies) || req.ip;
  };

  app.setSchemaErrorFormatter((errors, dataVar) => {
    const where = dataVar === 'querystring' ? 'query' : dataVar;
    const problems = errors.slice(0, 10).map((e) => {
      const missing = (e.params as { missingProperty?: string } | undefined)?.missingProperty;
      const path = [where, ...e.instancePath.split('/').filter(Boolean), ...(missing ? [missing] : [])].join('.');
      return { field: path, message: e.message ?? 'invalid' };
    });
    const first = problems[0] ?? { field: where, message: 'invalid' };
    return new BerthError('BAD_REQUEST', { message: `${first.field}: ${first.message}`, detail: { field: first.field, problems } });
  });

  // Fastify's own request errors (bad JSON, oversize body, wrong media type) become catalogue errors; the
  // server's handler, which this one rethrows to, serializes every error once.
  app.setErrorHandler(async (err: FastifyError) => {
    if (err instanceof BerthError) throw err;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new BerthError('BODY_TOO_LARGE', { message: `request body is over ${API_BODY_LIMIT_BYTES} bytes`, cause: err });
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) throw new BerthError('BAD_REQUEST', { message: err.message, cause: err });
    throw err;
  });

  const routes = apiRoutes(opts);
  // Uploads that are streamed, never buffered: the route's handler reads (and bounds) the body itself.
  const rawTypes = [...new Set(routes.flatMap((r) => r.rawBodyTypes ?? []))];
  if (rawTypes.length > 0) app.addContentTypeParser(rawTypes, (_req, payload, done) => done(null, payload));
  for (const route of routes) {
    const status = route.status ?? 200;
    app.route({
      method: route.method,
      url: API_PREFIX + route.path,
      bodyLimit: route.bodyLimitBytes ?? API_BODY_LIMIT_BYTES,
      schema: {
        ...(route.params ? { params: toJsonSchema(route.params, 'input') } : {}),
        ...(route.query ? { querystring: toJsonSchema(route.query, 'input') } : {}),
        ...(route.body ? { body: toJsonSchema(route.body, 'input') } : {}),
        ...(route.response ? { response: { [status]: toJsonSchema(route.response, 'output') } } : {}),
      },
      // Who is calling and may they: before the body is read or validated, so an anonymous caller learns nothing.
      onRequest: async (req) => {
        const ctx: CallerContext = { sourceIp: sourceIp(req), requestId: req.id };
        if (!opts.isAuthEnabled) {
          callers.set(req, { caller: OPEN_CALLER, ctx, actor: actorOf(OPEN_CALLER, ctx) });
          return;
        }
        const caller = route.permission.requiresAuth ? await opts.authenticator.authenticate(req.headers.authorization, ctx) : ANONYMOUS_CALLER;
        // IP rules as on /v2: the system's, the project's for project routes, the robot's for robot callers.
        const project = (req.params as { project?: string }).project;
        if (!(await opts.access.admits(caller, ctx, project))) {
          throw new BerthError('DENIED', { message: `access from ${ctx.sourceIp || 'this address'} is not allowed`, detail: { sourceIp: ctx.sourceIp } });
        }
        const resolved: ApiCaller = { caller, ctx, actor: actorOf(caller, ctx) };
        await route.permission.check({ ...resolved, params: req.params as Record<string, string>, query: req.query as Record<string, unknown> });
        callers.set(req, resolved);
      },
      handler: async (req, reply) => {
        const resolved = callers.get(req);
        if (!resolved) throw new BerthError('INTERNAL', { message: 'request reached its handler unauthenticated' });
        const result = await route.handle({
          ...resolved,
          params: route.params ? parseInput(route.params, req.params, 'params') : {},
          query: route.query ? parseInput(route.query, req.query, 'query') : {},
          body: req.body,
          req,
          reply,
        });
        if (result === reply) return reply;
        if (status === 204) return reply.code(204).send();
        return reply.code(status).send(result);
      },
    });
  }
}

function actorOf(caller: AuthenticatedCaller, ctx: CallerContext): Actor {
  const p = caller.principal;
  return { kind: p.kind, name: p.name, userId: p.kind === 'user' && p.id !== '' ? p.id : null, sourceIp: ctx.sourceIp || null };
}
