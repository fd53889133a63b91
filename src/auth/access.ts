import type { PolicyAction, ResolvedPrincipal } from './authorizer.ts';
import type { DecisionRequest } from './policy.ts';
import type { TokenAccess } from './scope.ts';

/**
 * The two services every entry point (registry /v2, REST /api/v1, token endpoint) shares, so that who-is-calling
 * and may-they are answered one way everywhere. Implementations live in authentication.service.ts and
 * access-control.service.ts; main.ts wires one instance of each.
 */

/** Facts about the request an authenticator needs besides the Authorization header. */
export interface CallerContext {
  /** The client address after trusted-proxy resolution (see ip-rules.ts resolveClientIp). */
  sourceIp: string;
  /** Request id, for audit entries. */
  requestId?: string;
}

export interface AuthenticatedCaller {
  principal: ResolvedPrincipal;
  /** Present when the caller presented a registry token: what it grants (nothing beyond it, even for admins). */
  tokenAccess?: readonly TokenAccess[];
  /** How the caller proved who they are. */
  method: 'anonymous' | 'basic' | 'bearer';
}

export interface Authenticator {
  /**
   * Resolves the caller from an `Authorization` header (Basic user or robot credentials, or a Bearer registry
   * token); no header is the anonymous caller. Throws BerthError UNAUTHORIZED for credentials that do not
   * verify, TOO_MANY_REQUESTS when the account or address is locked by the login throttle. Argon2 runs only on
   * a cache miss; failures and successes of password logins are audited. Safe concurrently.
   */
  authenticate(authorization: string | string[] | undefined, ctx: CallerContext): Promise<AuthenticatedCaller>;
  /** Verifies a username/password pair (token endpoint, `berth login`); same errors and auditing. */
  login(username: string, password: string, ctx: CallerContext): Promise<ResolvedPrincipal>;
}

export interface AccessControl {
  /**
   * Whether `caller` may do the request: policy.ts decide() over facts loaded from the identity store (cached
   * for a few seconds, dropped at once in this process when a grant, project, user or robot changes), IP rules
   * (system, project, robot), and, for token callers, the token's access list. Never throws for a "no".
   */
  can(caller: AuthenticatedCaller, request: DecisionRequest, ctx: CallerContext): Promise<boolean>;
  /** The actions of `wanted` that `caller` may do on `repo` (token issue: the intersection of asked and allowed). */
  allowedActions(caller: AuthenticatedCaller, repo: string, wanted: readonly PolicyAction[], ctx: CallerContext): Promise<PolicyAction[]>;
  /**
   * Whether IP rules admit the caller's address: the system's, the project's when `project` is given, and the
   * robot's own when the caller is a robot. Entry points that are not about one repository (the REST API, /v2/)
   * call it before anything else; can() already includes it. Never throws for a "no".
   */
  admits(caller: AuthenticatedCaller, ctx: CallerContext, project?: string): Promise<boolean>;
  /** Drops cached facts; identity services call it after every change. */
  invalidate(): void;
}
