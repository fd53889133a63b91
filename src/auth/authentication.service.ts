import type { AuditRecorder } from '../audit/audit-writer.ts';
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import type { Logger } from '../log/logger.ts';
import type { RobotRecord, RobotRepo, UserRecord, UserRepo } from '../meta/identity-store.ts';
import type { AuthenticatedCaller, Authenticator, CallerContext } from './access.ts';
import type { ResolvedPrincipal, RobotPrincipal, UserPrincipal } from './authorizer.ts';
import { authorizationCacheKey, basicCredentialsCacheKey, parseAuthorization } from './credentials.ts';
import { parseIp, throttleBucket } from './ip-rules.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { verifyPassword, type PasswordHash } from './password.ts';
import { TokenError, type TokenService } from './token.service.ts';
import { TtlCache } from './ttl-cache.ts';

/** Robot accounts sign in with their full name, which always starts with this. */
export const ROBOT_PREFIX = 'robot$';

export interface AuthenticationDeps {
  users: Pick<UserRepo, 'findByName'>;
  robots: Pick<RobotRepo, 'findByName'>;
  tokens: Pick<TokenService, 'verify'>;
  throttle: LoginThrottle;
  audit: AuditRecorder;
  log: Logger;
  now: () => number;
  /** How long a verified Basic password is remembered (auth.basicCacheTtl). */
  basicCacheTtlMs: number;
  /** How long a principal looked up for a Bearer token is remembered (default 5 s). */
  principalCacheTtlMs?: number;
}

const BASIC_CACHE_MAX = 10_000;
const ANONYMOUS_CALLER: AuthenticatedCaller = Object.freeze({ principal: Object.freeze({ kind: 'anonymous', name: 'anonymous' }) as ResolvedPrincipal, method: 'anonymous' });

export function userPrincipal(user: UserRecord): UserPrincipal {
  return { kind: 'user', id: user.id, name: user.username, isAdmin: user.isAdmin, isDisabled: user.isDisabled };
}

export function robotPrincipal(robot: RobotRecord): RobotPrincipal {
  return { kind: 'robot', id: robot.id, name: robot.name, project: robot.project, permissions: robot.permissions, expiresAt: robot.expiresAt, isDisabled: robot.isDisabled };
}

const refused = (message = 'invalid username or password') => new BerthError('UNAUTHORIZED', { message });

/**
 * Who is calling: Basic credentials of a user or robot (argon2 only on a cache miss, throttled on failures),
 * or a Bearer registry token (signature checked once per token by TokenService). Password logins are audited
 * (auth.login, success or failure). Safe to call concurrently.
 */
export class AuthenticationService implements Authenticator {
  /** authorizationCacheKey of a verified Basic header -> its caller, for basicCacheTtlMs. */
  private readonly basic = new Map<string, { caller: AuthenticatedCaller & { principal: UserPrincipal | RobotPrincipal }; untilMs: number }>();
  /** Lower-cased name -> cache keys, so forget() finds a user's entries. */
  private readonly basicKeysByName = new Map<string, Set<string>>();
  private readonly principals: TtlCache<UserPrincipal | RobotPrincipal | undefined>;
  /**
   * Verifications in progress, by credentials and source address: concurrent requests with the same credentials
   * (a client's parallel uploads on a cold cache) share one argon2 run and count as one attempt, instead of
   * each counting as a failure up front and tripping the throttle's lock on a legitimate account.
   */
  private readonly verifying = new Map<string, Promise<UserPrincipal | RobotPrincipal>>();

  constructor(private readonly deps: AuthenticationDeps) {
    this.principals = new TtlCache({ ttlMs: deps.principalCacheTtlMs ?? 5_000, maxEntries: BASIC_CACHE_MAX, now: deps.now });
  }

  async authenticate(authorization: string | string[] | undefined, ctx: CallerContext): Promise<AuthenticatedCaller> {
    // Hot path: a Basic header verified before is recognised by its key alone, without parsing it again.
    if (typeof authorization === 'string' && isBasicScheme(authorization)) {
      const hit = this.cachedBasic(authorizationCacheKey(authorization));
      if (hit) return hit;
    }
    const credentials = parseAuthorization(authorization);
    if (!credentials) return ANONYMOUS_CALLER;
    if (credentials.scheme === 'basic') {
      return { principal: await this.login(credentials.username, credentials.password, ctx), method: 'basic' };
    }
    const claims = await this.deps.tokens.verify(credentials.token);
    if (claims.sub === '') return { principal: ANONYMOUS_CALLER.principal, tokenAccess: claims.access, method: 'bearer' };
    const principal = await this.principalNamed(claims.sub);
    if (!principal || !this.isUsable(principal)) throw new TokenError('claims');
    return { principal, tokenAccess: claims.access, method: 'bearer' };
  }

  async login(username: string, password: string, ctx: CallerContext): Promise<ResolvedPrincipal> {
    const cacheKey = basicCredentialsCacheKey(username, password);
    const nowMs = this.deps.now();
    const hit = this.cachedBasic(cacheKey);
    if (hit) return hit.principal;
    const flightKey = `${cacheKey}\u0000${ctx.sourceIp}`;
    let verification = this.verifying.get(flightKey);
    if (!verification) {
      verification = this.verify(username, password, ctx).finally(() => this.verifying.delete(flightKey));
      this.verifying.set(flightKey, verification);
    }
    const principal = await verification;
    this.rememberBasic(cacheKey, principal, nowMs);
    return principal;
  }

  /**
   * The user or robot named `name` (a token's subject, a refresh token's owner), looked up at most every few
   * seconds; undefined when absent. Disabled or expired principals are returned as they are.
   */
  principalNamed(name: string): Promise<UserPrincipal | RobotPrincipal | undefined> {
    return this.principals.get(name.toLowerCase(), async () => {
      if (name.startsWith(ROBOT_PREFIX)) {
        const robot = await this.deps.robots.findByName(name);
        return robot ? robotPrincipal(robot) : undefined;
      }
      const user = await this.deps.users.findByName(name);
      return user ? userPrincipal(user) : undefined;
    });
  }

  /**
   * Drops everything remembered about `name` (a user or robot): verified passwords and the looked-up principal.
   * Identity services call it after a password, secret, state or permission change. Never throws.
   */
  forget(name: string): void {
    const lower = name.toLowerCase();
    this.principals.delete(lower);
    for (const key of this.basicKeysByName.get(lower) ?? []) this.basic.delete(key);
    this.basicKeysByName.delete(lower);
  }

  /** Drops every remembered password and principal (e.g. after a bulk change). Never throws. */
  forgetAll(): void {
    this.principals.clear();
    this.basic.clear();
    this.basicKeysByName.clear();
  }

  /** The remembered caller for a Basic header's cache key, dropping it when expired or no longer usable. */
  private cachedBasic(cacheKey: string): (AuthenticatedCaller & { principal: UserPrincipal | RobotPrincipal }) | undefined {
    const hit = this.basic.get(cacheKey);
    if (!hit) return undefined;
    if (this.deps.now() < hit.untilMs && this.isUsable(hit.caller.principal)) return hit.caller;
    this.dropBasic(cacheKey, hit.caller.principal.name);
    return undefined;
  }

  private isUsable(principal: UserPrincipal | RobotPrincipal): boolean {
    if (principal.isDisabled) return false;
    return principal.kind !== 'robot' || principal.expiresAt === null || this.deps.now() < principal.expiresAt;
  }

  /** The argon2 path: throttled, audited. */
  private async verify(username: string, password: string, ctx: CallerContext): Promise<UserPrincipal | RobotPrincipal> {
    const ip = parseIp(ctx.sourceIp);
    const key = { account: username.toLowerCase(), address: ip ? throttleBucket(ip) : ctx.sourceIp };
    const verdict = this.deps.throttle.begin(key);
    if (!verdict.allowed) {
      const retryAfterSec = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      this.audit(username, ctx, 'failure', { reason: 'throttled', lockedBy: verdict.lockedBy });
      throw new BerthError('TOO_MANY_REQUESTS', {
        message: `too many failed sign-ins; try again in ${retryAfterSec} s`,
        headers: { 'Retry-After': String(retryAfterSec) },
      });
    }
    if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));

    const isRobot = username.startsWith(ROBOT_PREFIX);
    const record = isRobot ? await this.deps.robots.findByName(username) : await this.deps.users.findByName(username);
    const storedHash = record ? ((isRobot ? (record as RobotRecord).secretHash : (record as UserRecord).passwordHash) as PasswordHash) : undefined;
    let matches: boolean;
    try {
      matches = await verifyPassword(storedHash, password);
    } catch (err) {
      this.deps.log.error({ err, username }, 'stored credential hash is unusable');
      throw err;
    }
    if (!record || !matches) {
      this.audit(username, ctx, 'failure', { reason: record ? 'wrong-password' : 'unknown-account' });
      throw refused();
    }
    this.deps.throttle.succeed(key);
    const principal = isRobot ? robotPrincipal(record as RobotRecord) : userPrincipal(record as UserRecord);
    if (principal.isDisabled) {
      this.audit(principal.name, ctx, 'failure', { reason: 'disabled' }, principal.kind);
      throw refused(`${principal.kind === 'robot' ? 'robot account' : 'account'} is disabled`);
    }
    if (principal.kind === 'robot' && principal.expiresAt !== null && this.deps.now() >= principal.expiresAt) {
      this.audit(principal.name, ctx, 'failure', { reason: 'expired' }, 'robot');
      throw refused('robot account has expired');
    }
    this.audit(principal.name, ctx, 'success', null, principal.kind);
    return principal;
  }

  private rememberBasic(cacheKey: string, principal: UserPrincipal | RobotPrincipal, nowMs: number): void {
    if (this.deps.basicCacheTtlMs <= 0) return;
    if (this.basic.size >= BASIC_CACHE_MAX) {
      const oldest = this.basic.entries().next();
      if (!oldest.done) this.dropBasic(oldest.value[0], oldest.value[1].caller.principal.name);
    }
    this.basic.set(cacheKey, { caller: Object.freeze({ principal, method: 'basic' as const }), untilMs: nowMs + this.deps.basicCacheTtlMs });
    const lower = principal.name.toLowerCase();
    let keys = this.basicKeysByName.get(lower);
    if (!keys) this.basicKeysByName.set(lower, (keys = new Set()));
    keys.add(cacheKey);
  }

  private dropBasic(cacheKey: string, name: string): void {
    this.basic.delete(cacheKey);
    this.basicKeysByName.get(name.toLowerCase())?.delete(cacheKey);
  }

  private audit(actorName: string, ctx: CallerContext, result: 'success' | 'failure', detail: Record<string, unknown> | null, kind?: 'user' | 'robot'): void {
    this.deps.audit.record({
      at: this.deps.now(),
      actorKind: kind ?? (actorName.startsWith(ROBOT_PREFIX) ? 'robot' : 'user'),
      actorName: actorName.slice(0, 256),
      sourceIp: ctx.sourceIp || null,
      action: 'auth.login',
      project: null,
      repository: null,
      reference: null,
      digest: null,
      result,
      detail: { ...detail, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) },
    });
  }
}

/** `Basic <credentials>`, scheme case-insensitive, as RFC 7617 allows. */
function isBasicScheme(header: string): boolean {
  return header.length > 6 && header.charCodeAt(5) === 32 && header.slice(0, 5).toLowerCase() === 'basic';
}

/** Whether an error from authenticate() is a refused credential (as opposed to a throttle or an outage). */
export function isRefusedCredential(err: unknown): boolean {
  return isBerthError(err, 'UNAUTHORIZED');
}
