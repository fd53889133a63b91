import type { IpRuleRepo, IpRuleScope, MemberRepo, ProjectRepo, TeamRepo } from '../meta/identity-store.ts';
import type { RepoName } from '../oci/names.ts';
import type { AccessControl, AuthenticatedCaller, CallerContext } from './access.ts';
import type { PolicyAction, ResolvedPrincipal } from './authorizer.ts';
import { evaluateIpRules, parseCidr, parseIp, type Cidr, type IpRuleList } from './ip-rules.ts';
import { decide, projectOf, type DecisionReason, type DecisionRequest, type Grant, type ProjectFacts } from './policy.ts';
import { accessAllows } from './scope.ts';
import { TtlCache } from './ttl-cache.ts';

export interface AccessControlDeps {
  projects: Pick<ProjectRepo, 'find'>;
  members: Pick<MemberRepo, 'grantsFor'>;
  teams: Pick<TeamRepo, 'teamsOf'>;
  ipRules: Pick<IpRuleRepo, 'list'>;
  now: () => number;
  /** auth.selfServiceProjects: a signed-in user may create a project by pushing into it. */
  selfServiceProjects: boolean;
  /** How long loaded facts are trusted before they are read again (default 5 s); invalidate() drops them at once. */
  factsTtlMs?: number;
}

/** Why a request was refused, beyond the policy's own reasons. */
export type AccessReason = DecisionReason | 'ip-denied' | 'token-scope' | 'self-service';

export interface AccessVerdict {
  allowed: boolean;
  reason: AccessReason;
}

const CACHE_MAX = 10_000;

/**
 * AccessControl over the identity store: policy.ts decide() on facts loaded through short-lived caches (one
 * indexed query per fact per few seconds, not per request), IP rules at system, project and robot level, and
 * for token callers the token's access list on top. Safe to call concurrently.
 */
export class AccessControlService implements AccessControl {
  private readonly projectFacts: TtlCache<ProjectFacts>;
  private readonly grants: TtlCache<Grant[]>;
  private readonly rules: TtlCache<IpRuleList>;
  private invalidations = 0;

  constructor(private readonly deps: AccessControlDeps) {
    const opts = { ttlMs: deps.factsTtlMs ?? 5_000, maxEntries: CACHE_MAX, now: deps.now };
    this.projectFacts = new TtlCache(opts);
    this.grants = new TtlCache(opts);
    this.rules = new TtlCache(opts);
  }

  async can(caller: AuthenticatedCaller, request: DecisionRequest, ctx: CallerContext): Promise<boolean> {
    return (await this.evaluate(caller, request, ctx)).allowed;
  }

  /**
   * Like can(), with the reason: 'ip-denied' (an IP rule refused the address), 'token-scope' (the caller's
   * identity may, but the token presented does not say so), or the policy's reason. Never throws for a "no".
   */
  async evaluate(caller: AuthenticatedCaller, request: DecisionRequest, ctx: CallerContext): Promise<AccessVerdict> {
    const { principal } = caller;
    const project = request.action === 'catalog' ? undefined : 'repo' in request ? projectOf(request.repo) : request.project;
    if (!(await this.addressAllowed(ctx, project, principal))) return { allowed: false, reason: 'ip-denied' };
    const decision = decide(principal, request, {
      ...(project !== undefined ? { project: await this.project(project) } : {}),
      grants: principal.kind === 'user' && !principal.isAdmin ? await this.grantsOf(principal.id) : [],
      nowMs: this.deps.now(),
    });
    if (!decision.allowed) return decision;
    if (caller.tokenAccess) {
      const allowsIt = request.action === 'catalog' ? accessAllows(caller.tokenAccess, 'catalog')
        : 'repo' in request ? accessAllows(caller.tokenAccess, request.action, request.repo) : false;
      if (!allowsIt) return { allowed: false, reason: 'token-scope' };
    }
    return decision;
  }

  async allowedActions(caller: AuthenticatedCaller, repo: string, wanted: readonly PolicyAction[], ctx: CallerContext): Promise<PolicyAction[]> {
    const name = repo as RepoName;
    const project = projectOf(name);
    const createsProject = !(await this.project(project)).exists && this.mayCreateProject(caller) && (await this.addressAllowed(ctx, project, caller.principal));
    const allowed: PolicyAction[] = [];
    for (const action of wanted) {
      if (action === 'catalog') {
        if (await this.can(caller, { action }, ctx)) allowed.push(action);
      } else if (action === 'pull' || action === 'push' || action === 'delete') {
        if (createsProject || (await this.can(caller, { action, repo: name }, ctx))) allowed.push(action);
      } else if (await this.can(caller, { action, project }, ctx)) {
        allowed.push(action);
      }
    }
    return allowed;
  }

  /**
   * Whether `caller` may create a project by pushing into it: system admins always, other enabled users when
   * auth.selfServiceProjects is on; never robots or anonymous callers. Token callers also need push in their
   * token (checked by the caller, which knows the repository).
   */
  mayCreateProject(caller: AuthenticatedCaller): boolean {
    const p = caller.principal;
    return p.kind === 'user' && !p.isDisabled && (p.isAdmin || this.deps.selfServiceProjects);
  }

  /** Whether the project exists and is public, as last loaded (a few seconds old at most). */
  project(name: string): Promise<ProjectFacts> {
    return this.projectFacts.get(name, async () => {
      const found = await this.deps.projects.find(name);
      return { name, exists: found !== undefined, isPublic: found?.isPublic ?? false };
    });
  }

  admits(caller: AuthenticatedCaller, ctx: CallerContext, project?: string): Promise<boolean> {
    return this.addressAllowed(ctx, project, caller.principal);
  }

  /** Whether the system's IP rules (and the project's and robot's, when given) admit the caller's address. */
  async addressAllowed(ctx: CallerContext, project: string | undefined, principal: ResolvedPrincipal): Promise<boolean> {
    const levels: { level: string; rules: IpRuleList }[] = [{ level: 'system', rules: await this.rulesOf('system', '') }];
    // Project rules bind the project's members and robots, not system administrators, who must always be able
    // to repair a project's rules; system rules bind everyone (adding one that shuts out its author is refused).
    const isAdmin = principal.kind === 'user' && principal.isAdmin;
    if (project !== undefined && !isAdmin) levels.push({ level: 'project', rules: await this.rulesOf('project', project) });
    if (principal.kind === 'robot') levels.push({ level: 'robot', rules: await this.rulesOf('robot', principal.id) });
    if (levels.every((l) => l.rules.allow.length === 0 && l.rules.deny.length === 0)) return true;
    const ip = parseIp(ctx.sourceIp);
    return ip !== undefined && evaluateIpRules(levels, ip).allowed;
  }

  /** Changes whenever invalidate() runs, so callers that remember verdicts know they are stale. */
  get generation(): number {
    return this.invalidations;
  }

  invalidate(): void {
    this.invalidations++;
    this.projectFacts.clear();
    this.grants.clear();
    this.rules.clear();
  }

  private grantsOf(userId: string): Promise<Grant[]> {
    return this.grants.get(userId, async () => this.deps.members.grantsFor(userId, await this.deps.teams.teamsOf(userId)));
  }

  private rulesOf(scope: IpRuleScope, scopeId: string): Promise<IpRuleList> {
    return this.rules.get(`${scope}:${scopeId}`, async () => {
      const allow: Cidr[] = [];
      const deny: Cidr[] = [];
      for (const rule of await this.deps.ipRules.list(scope, scopeId)) {
        let cidr: Cidr;
        try {
          cidr = parseCidr(rule.cidr);
        } catch {
          // A stored rule that no longer parses must not open anything: an unparsable allow still makes the
          // allow list non-empty (admitting only the unspecified address ::), an unparsable deny denies all.
          (rule.effect === 'allow' ? allow : deny).push(parseCidr(rule.effect === 'allow' ? '::/128' : '::/0'));
          continue;
        }
        (rule.effect === 'allow' ? allow : deny).push(cidr);
      }
      return { allow, deny };
    });
  }
}
