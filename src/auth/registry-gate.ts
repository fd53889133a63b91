import type { AuditRecorder } from '../audit/audit-writer.ts';
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditEventInput, MemberRepo, ProjectRepo } from '../meta/identity-store.ts';
import type { RepoName } from '../oci/names.ts';
import type { AuthenticatedCaller, CallerContext } from './access.ts';
import type { AccessControlService } from './access-control.service.ts';
import type { AuthenticationService } from './authentication.service.ts';
import type { RegistryAction } from './authorizer.ts';
import { clientIpText, type Cidr } from './ip-rules.ts';
import { projectOf } from './policy.ts';
import { accessAllows, challengeScope, formatChallenge, type Challenge } from './scope.ts';

/**
 * Authentication and access control for the registry protocol (/v2), as Docker clients expect them: 401 with a
 * Bearer challenge naming the token endpoint and the scope to ask for, so docker/podman/skopeo fetch a token
 * and retry; reads of repositories a signed-in caller may not see look exactly like missing ones; writes they
 * may not do are DENIED. Also creates projects on push (admins; any user with auth.selfServiceProjects) and
 * writes the registry's audit events. Knows nothing of HTTP frameworks.
 */

export interface RegistryGateOptions {
  /** auth.enabled: when false every request is allowed as the anonymous caller. */
  isEnabled: boolean;
  /** auth.service. */
  service: string;
  /** auth.trustedProxies, parsed. */
  trustedProxies: readonly Cidr[];
}

export interface RegistryGateDeps {
  authentication: Pick<AuthenticationService, 'authenticate'>;
  access: Pick<AccessControlService, 'evaluate' | 'project' | 'mayCreateProject' | 'addressAllowed' | 'invalidate' | 'generation'>;
  projects: Pick<ProjectRepo, 'create'>;
  members: Pick<MemberRepo, 'grant'>;
  audit: AuditRecorder;
  log: Logger;
  now: () => number;
}

/** What the route should do after the gate: run, or answer as if the repository did not exist. */
export type Admission = 'allowed' | 'hidden';

const OPEN_CALLER: AuthenticatedCaller = Object.freeze({ principal: Object.freeze({ kind: 'anonymous', name: 'anonymous' }) as AuthenticatedCaller['principal'], method: 'anonymous' });

/**
 * How long an allowed pull is remembered for one Basic caller, repository and address. Short next to the 5 s the
 * facts behind it are cached anyway; an access change (invalidate) forgets every remembered verdict at once.
 */
const PULL_VERDICT_TTL_MS = 1_000;

interface RememberedPull {
  untilMs: number;
  generation: number;
}

export class RegistryGate {
  /**
   * Allowed pulls per Basic caller (the authentication cache hands out the same caller object per credentials),
   * so a client's stream of manifest and blob reads does not re-run the policy per request. Weak: entries go
   * when the caller does.
   */
  private readonly allowedPulls = new WeakMap<AuthenticatedCaller, Map<string, RememberedPull>>();

  constructor(private readonly deps: RegistryGateDeps, readonly options: RegistryGateOptions) {}

  /** The caller's address after trusted-proxy resolution, and the request id, for decisions and audit. */
  context(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, requestId: string): CallerContext {
    return { sourceIp: clientIpText(socketAddress, forwardedFor, this.options.trustedProxies), requestId };
  }

  /**
   * Who is calling. Credentials that do not verify answer 401 with the challenge (`error="invalid_token"` for
   * a bad Bearer token), so clients drop a stale token and fetch a new one.
   */
  async authenticate(authorization: string | string[] | undefined, ctx: CallerContext, realm: string): Promise<AuthenticatedCaller> {
    if (!this.options.isEnabled) return OPEN_CALLER;
    try {
      return await this.deps.authentication.authenticate(authorization, ctx);
    } catch (err) {
      if (!isBerthError(err, 'UNAUTHORIZED')) throw err;
      const isBearer = /^\s*bearer\s/i.test(String(authorization ?? ''));
      throw new BerthError('UNAUTHORIZED', {
        message: err.message,
        cause: err,
        headers: { 'WWW-Authenticate': this.challenge({ realm, ...(isBearer ? { error: 'invalid_token' as const } : {}) }) },
      });
    }
  }

  /** `GET /v2/`: the version check doubles as "am I signed in?", as Docker clients use it. */
  async admitBase(caller: AuthenticatedCaller, ctx: CallerContext, realm: string): Promise<void> {
    if (!this.options.isEnabled) return;
    if (!(await this.deps.access.addressAllowed(ctx, undefined, caller.principal))) throw this.addressDenied(ctx);
    if (caller.principal.kind === 'anonymous') {
      throw new BerthError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': this.challenge({ realm }) } });
    }
  }

  /**
   * Whether the request may go on. Returns 'hidden' for a read the signed-in caller may not do (the route must
   * answer as for a missing repository); throws UNAUTHORIZED with a scoped challenge when signing in or a token
   * with more scope could help, DENIED for writes the caller may not do and for refused addresses.
   */
  async admit(caller: AuthenticatedCaller, action: RegistryAction, repo: RepoName | undefined, ctx: CallerContext, realm: string): Promise<Admission> {
    if (!this.options.isEnabled) return 'allowed';
    if (action === 'pull' && repo !== undefined && caller.method === 'basic' && this.isRememberedPull(caller, repo, ctx)) return 'allowed';
    if (action === 'push' && repo !== undefined) await this.ensureProject(caller, repo, ctx, realm);
    const generation = this.deps.access.generation;
    const verdict = await this.deps.access.evaluate(caller, action === 'catalog' ? { action } : { action, repo: repo as RepoName }, ctx);
    if (verdict.allowed) {
      if (action === 'pull' && repo !== undefined && caller.method === 'basic') this.rememberPull(caller, repo, ctx, generation);
      return 'allowed';
    }
    if (verdict.reason === 'ip-denied') throw this.addressDenied(ctx);
    const scoped = (error?: 'insufficient_scope') =>
      new BerthError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': this.challenge({ realm, scopes: [challengeScope(action, repo)], ...(error ? { error } : {}) }) } });
    // A token whose holder may do more than it says: they should ask for a token with this scope.
    if (verdict.reason === 'token-scope') throw scoped('insufficient_scope');
    if (caller.principal.kind === 'anonymous') throw scoped(caller.tokenAccess ? 'insufficient_scope' : undefined);
    if (action === 'pull') return 'hidden';
    throw new BerthError('DENIED', { detail: { ...(repo !== undefined ? { name: repo } : {}), action } });
  }

  private isRememberedPull(caller: AuthenticatedCaller, repo: RepoName, ctx: CallerContext): boolean {
    const hit = this.allowedPulls.get(caller)?.get(`${repo}\u0000${ctx.sourceIp}`);
    return hit !== undefined && hit.generation === this.deps.access.generation && this.deps.now() < hit.untilMs;
  }

  /** `generation` as read before the evaluation, so a verdict computed across an invalidation is never kept. */
  private rememberPull(caller: AuthenticatedCaller, repo: RepoName, ctx: CallerContext, generation: number): void {
    let pulls = this.allowedPulls.get(caller);
    if (!pulls) this.allowedPulls.set(caller, (pulls = new Map()));
    // A caller pulling from very many repositories starts afresh rather than growing without bound.
    if (pulls.size >= 1_000) pulls.clear();
    pulls.set(`${repo}\u0000${ctx.sourceIp}`, { untilMs: this.deps.now() + PULL_VERDICT_TTL_MS, generation });
  }

  /** Whether the caller may also pull `repo` (cross-repository mount sources). Never throws for a "no". */
  async mayPull(caller: AuthenticatedCaller, repo: RepoName, ctx: CallerContext): Promise<boolean> {
    if (!this.options.isEnabled) return true;
    return (await this.deps.access.evaluate(caller, { action: 'pull', repo }, ctx)).allowed;
  }

  /** Records one registry audit event for `caller`. Never throws or blocks. */
  record(caller: AuthenticatedCaller, ctx: CallerContext, event: Pick<AuditEventInput, 'action' | 'result'> & Partial<Pick<AuditEventInput, 'project' | 'repository' | 'reference' | 'digest' | 'detail'>>): void {
    const { principal } = caller;
    this.deps.audit.record({
      at: this.deps.now(),
      actorKind: principal.kind,
      actorName: principal.kind === 'anonymous' ? 'anonymous' : principal.name,
      sourceIp: ctx.sourceIp || null,
      action: event.action,
      project: event.project ?? (event.repository ? projectOf(event.repository as RepoName) : null),
      repository: event.repository ?? null,
      reference: event.reference ?? null,
      digest: event.digest ?? null,
      result: event.result,
      detail: { ...event.detail, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) },
    });
  }

  /**
   * A push into a project that does not exist creates it for an admin (private) or, with self-service, for a
   * signed-in user (private, owned by them); anyone else is told the project is missing.
   */
  private async ensureProject(caller: AuthenticatedCaller, repo: RepoName, ctx: CallerContext, realm: string): Promise<void> {
    const project = projectOf(repo);
    if ((await this.deps.access.project(project)).exists) return;
    const { principal } = caller;
    if (principal.kind === 'anonymous') {
      throw new BerthError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': this.challenge({ realm, scopes: [challengeScope('push', repo)] }) } });
    }
    const mayCreate = this.deps.access.mayCreateProject(caller) && (!caller.tokenAccess || accessAllows(caller.tokenAccess, 'push', repo))
      && (await this.deps.access.addressAllowed(ctx, project, principal));
    if (!mayCreate || principal.kind !== 'user') {
      throw new BerthError('DENIED', {
        message: `project "${project}" does not exist; an administrator must create it before anything can be pushed to ${repo}`,
        detail: { project, name: repo },
      });
    }
    try {
      await this.deps.projects.create({ name: project, isPublic: false, createdBy: principal.id });
      if (!principal.isAdmin) await this.deps.members.grant({ project, subjectKind: 'user', subjectId: principal.id, role: 'owner', pattern: '**' });
      this.record(caller, ctx, { action: 'project.create', result: 'success', project, detail: { via: 'push', repository: repo, isPublic: false } });
      this.deps.log.info({ project, by: principal.name }, 'project created by a push');
    } catch (err) {
      // Another push (or node) created it first: theirs stands, and the access check below decides.
      if (!isBerthError(err, 'CONFLICT')) throw err;
    } finally {
      this.deps.access.invalidate();
    }
  }

  private addressDenied(ctx: CallerContext): BerthError {
    return new BerthError('DENIED', { message: `access from ${ctx.sourceIp || 'this address'} is not allowed`, detail: { sourceIp: ctx.sourceIp } });
  }

  private challenge(challenge: Omit<Challenge, 'service'>): string {
    return formatChallenge({ ...challenge, service: this.options.service });
  }
}
