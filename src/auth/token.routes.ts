import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditRecorder } from '../audit/audit-writer.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { AuthenticatedCaller, CallerContext } from './access.ts';
import type { AccessControlService } from './access-control.service.ts';
import type { AuthenticationService } from './authentication.service.ts';
import type { RegistryAction } from './authorizer.ts';
import type { RegistryGate } from './registry-gate.ts';
import { formatScope, intersectScope, parseScopes, type ResourceScope, type TokenAccess } from './scope.ts';
import { MAX_TOKEN_TTL_SEC, type TokenService } from './token.service.ts';

/**
 * The Docker token endpoint (https://distribution.github.io/distribution/spec/auth/token/ and .../oauth/):
 * - `GET /auth/token?service=&scope=...[&offline_token=true]` with Basic credentials or none (anonymous);
 * - `POST /auth/token`, an OAuth2 form: `grant_type=password` (username, password) or
 *   `grant_type=refresh_token` (refresh_token), with service, scope, client_id, access_type.
 * Granted access is the intersection of the scopes asked for and what AccessControl allows.
 *
 * Refresh tokens are signed JWTs too (same key, same issuer) whose audience is `<service>/refresh` and whose
 * access list is empty, so one can never be used as a registry token, nor a registry token as a refresh token.
 * Nothing is stored server-side: a refresh token lives MAX_TOKEN_TTL_SEC (24 h) and stops working as soon as
 * its account is disabled, deleted or (robots) expired, since each use looks the account up again.
 */

export interface TokenRoutesDeps {
  gate: Pick<RegistryGate, 'context'>;
  authentication: Pick<AuthenticationService, 'authenticate' | 'login' | 'principalNamed'>;
  access: Pick<AccessControlService, 'can' | 'allowedActions' | 'addressAllowed'>;
  /** Registry tokens (audience auth.service). */
  tokens: Pick<TokenService, 'issue'>;
  /** Refresh tokens (audience refreshAudience(auth.service)). */
  refreshTokens: Pick<TokenService, 'issue' | 'verify'>;
  audit: AuditRecorder;
  /** auth.service. */
  service: string;
  /** auth.tokenTtl in seconds. */
  tokenTtlSec: number;
  now: () => number;
}

/** The audience of refresh tokens for a service. */
export const refreshAudience = (service: string): string => `${service}/refresh`;

const FORM_TYPE = 'application/x-www-form-urlencoded';
const FORM_LIMIT_BYTES = 16 * 1024;

interface TokenResponse {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  scope?: string;
  refresh_token?: string;
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw new BerthError('BAD_REQUEST', { message: `${name} must be given once` });
}

export async function tokenRoutes(app: FastifyInstance, deps: TokenRoutesDeps): Promise<void> {
  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  const contextOf = (req: FastifyRequest): CallerContext => deps.gate.context(req.raw.socket.remoteAddress, req.headers['x-forwarded-for'], req.id);

  function checkService(service: string | undefined): void {
    if (service !== undefined && service !== deps.service) {
      throw new BerthError('BAD_REQUEST', { message: `unknown service ${JSON.stringify(service.slice(0, 100))}: this registry's service is ${JSON.stringify(deps.service)}` });
    }
  }

  async function grant(caller: AuthenticatedCaller, scopes: readonly ResourceScope[], ctx: CallerContext): Promise<TokenAccess[]> {
    const access: TokenAccess[] = [];
    for (const scope of scopes) {
      const allowed: RegistryAction[] = scope.type === 'registry'
        ? ((await deps.access.can(caller, { action: 'catalog' }, ctx)) ? ['catalog'] : [])
        : ((await deps.access.allowedActions(caller, scope.name, scope.actions, ctx)) as RegistryAction[]);
      const granted = intersectScope(scope, allowed);
      if (granted) access.push(granted);
    }
    return access;
  }

  async function issue(caller: AuthenticatedCaller, scopes: readonly ResourceScope[], ctx: CallerContext, wantsRefresh: boolean): Promise<{ response: TokenResponse; access: TokenAccess[] }> {
    const { principal } = caller;
    if (!(await deps.access.addressAllowed(ctx, undefined, principal))) {
      throw new BerthError('DENIED', { message: `access from ${ctx.sourceIp || 'this address'} is not allowed` });
    }
    const access = await grant(caller, scopes, ctx);
    const subject = principal.kind === 'anonymous' ? '' : principal.name;
    const issued = await deps.tokens.issue({ subject, access, audience: deps.service, ttlSec: deps.tokenTtlSec });
    const response: TokenResponse = { token: issued.token, access_token: issued.token, expires_in: issued.expiresInSec, issued_at: issued.issuedAt };
    if (wantsRefresh && principal.kind !== 'anonymous') {
      const refresh = await deps.refreshTokens.issue({ subject, access: [], audience: refreshAudience(deps.service), ttlSec: MAX_TOKEN_TTL_SEC });
      response.refresh_token = refresh.token;
    }
    deps.audit.record({
      at: deps.now(),
      actorKind: principal.kind,
      actorName: principal.name,
      sourceIp: ctx.sourceIp || null,
      action: 'auth.token',
      project: null,
      repository: null,
      reference: null,
      digest: null,
      result: 'success',
      detail: {
        method: caller.method,
        requested: scopes.map(formatScope),
        granted: access.map(formatScope),
        ...(response.refresh_token ? { refreshToken: true } : {}),
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      },
    });
    return { response, access };
  }

  app.get('/auth/token', async (req) => {
    const query = req.query as Record<string, unknown>;
    checkService(single(query.service, 'service'));
    const scopes = parseScopes(query.scope as string | string[] | undefined);
    const ctx = contextOf(req);
    const caller = await deps.authentication.authenticate(req.headers.authorization, ctx);
    return (await issue(caller, scopes, ctx, single(query.offline_token, 'offline_token') === 'true')).response;
  });

  app.post('/auth/token', async (req) => {
    if (!(req.body instanceof URLSearchParams)) throw new BerthError('BAD_REQUEST', { message: `the token request must be a ${FORM_TYPE} form` });
    const form = req.body;
    const field = (name: string) => {
      const values = form.getAll(name);
      if (values.length > 1) throw new BerthError('BAD_REQUEST', { message: `${name} must be given once` });
      return values[0];
    };
    checkService(field('service'));
    const scopes = parseScopes(form.getAll('scope'));
    const ctx = contextOf(req);
    const grantType = field('grant_type');
    let caller: AuthenticatedCaller;
    if (grantType === 'password') {
      const username = field('username');
      const password = field('password');
      if (!username || password === undefined) throw new BerthError('BAD_REQUEST', { message: 'grant_type=password needs username and password' });
      caller = { principal: await deps.authentication.login(username, password, ctx), method: 'basic' };
    } else if (grantType === 'refresh_token') {
      caller = { principal: await principalOfRefreshToken(field('refresh_token')), method: 'bearer' };
    } else {
      throw new BerthError('BAD_REQUEST', { message: 'grant_type must be password or refresh_token' });
    }
    const { response, access } = await issue(caller, scopes, ctx, grantType === 'password' && field('access_type') === 'offline');
    return { ...response, scope: access.map(formatScope).join(' ') };
  });

  async function principalOfRefreshToken(token: string | undefined): Promise<AuthenticatedCaller['principal']> {
    if (!token) throw new BerthError('BAD_REQUEST', { message: 'grant_type=refresh_token needs refresh_token' });
    const claims = await deps.refreshTokens.verify(token);
    const principal = claims.sub === '' ? undefined : await deps.authentication.principalNamed(claims.sub);
    const isUsable = principal !== undefined && !principal.isDisabled
      && (principal.kind !== 'robot' || principal.expiresAt === null || deps.now() < principal.expiresAt);
    if (!isUsable) throw new BerthError('UNAUTHORIZED', { message: 'refresh token is no longer valid' });
    return principal;
  }
}
