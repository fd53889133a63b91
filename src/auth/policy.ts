import type { RepoName } from '../oci/names.ts';
import type { PolicyAction, ProjectAction, RepositoryAction, ResolvedPrincipal, RobotPrincipal } from './authorizer.ts';
import { storedPatternMatches } from './repo-pattern.ts';
import { REPOSITORY_ACTIONS } from './scope.ts';

/**
 * Access decisions as pure functions: no I/O, no clock of their own. The caller loads the facts (project,
 * grants) and passes the time; the same inputs always give the same decision.
 */

export type Role = 'guest' | 'developer' | 'maintainer' | 'owner';

/** What each project role may do; each role holds everything the one before it holds. */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly PolicyAction[]>> = Object.freeze({
  guest: ['pull'],
  developer: ['pull', 'push'],
  maintainer: ['pull', 'push', 'delete', 'manage-tag-rules', 'manage-retention'],
  owner: ['pull', 'push', 'delete', 'manage-tag-rules', 'manage-retention', 'manage-members', 'manage-settings', 'manage-robots'],
});

/**
 * A role given to the principal (directly or through a team) in one project, limited to the repositories whose
 * path inside the project matches `pattern` (see repo-pattern.ts; `**` is the whole project). Project actions
 * (manage-*) need a grant whose pattern is exactly `**`.
 */
export interface Grant {
  project: string;
  role: Role;
  pattern: string;
}

export interface ProjectFacts {
  name: string;
  exists: boolean;
  /** Anyone, including anonymous callers, may pull. */
  isPublic: boolean;
}

/** What the decision is about: a repository action names the repository, a project action the project. */
export type DecisionRequest =
  | { action: RepositoryAction; repo: RepoName }
  | { action: ProjectAction; project: string }
  | { action: 'catalog' };

export interface DecisionFacts {
  /** The project the request concerns (first component of the repository); absent for the catalog. */
  project?: ProjectFacts;
  /** The principal's grants; grants for other projects are ignored. Empty for anonymous callers and robots. */
  grants: readonly Grant[];
  /** Epoch milliseconds, for robot expiry. */
  nowMs: number;
}

export type DecisionReason =
  | 'admin'
  | 'public-pull'
  | 'grant'
  | 'robot-permission'
  | 'disabled'
  | 'robot-expired'
  | 'no-project'
  | 'anonymous'
  | 'no-grant'
  | 'no-permission'
  | 'catalog-restricted';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
}

/** The project of a repository: its first path component (`acme/api/server` -> `acme`). Pure. */
export function projectOf(repo: RepoName): string {
  const slash = repo.indexOf('/');
  return slash === -1 ? repo : repo.slice(0, slash);
}

/** The repository path inside its project (`acme/api/server` -> `api/server`, `acme` -> ''). Pure. */
export function pathInProject(repo: RepoName): string {
  const slash = repo.indexOf('/');
  return slash === -1 ? '' : repo.slice(slash + 1);
}

const allow = (reason: DecisionReason): Decision => ({ allowed: true, reason });
const deny = (reason: DecisionReason): Decision => ({ allowed: false, reason });

/**
 * Whether `principal` may do `request`, and why. Rules, in order:
 * 1. a disabled account or robot, or an expired robot, may do nothing;
 * 2. a system admin may do everything, on projects that exist or not;
 * 3. the catalog is for admins and robots holding `catalog` on the pattern `**` only (it lists everything);
 * 4. nothing happens in a project that does not exist (or whose facts were not supplied);
 * 5. anyone may pull from a public project;
 * 6. anonymous callers may do nothing else;
 * 7. a user needs a grant in the project whose role holds the action and whose pattern matches the
 *    repository path (project actions: pattern `**`); a robot needs a permission likewise, and a project
 *    robot's permissions never reach outside its project.
 * Pure; never throws.
 */
export function decide(principal: ResolvedPrincipal, request: DecisionRequest, facts: DecisionFacts): Decision {
  if (principal.kind !== 'anonymous' && principal.isDisabled) return deny('disabled');
  if (principal.kind === 'robot' && principal.expiresAt !== null && facts.nowMs >= principal.expiresAt) return deny('robot-expired');
  if (principal.kind === 'user' && principal.isAdmin) return allow('admin');

  if (request.action === 'catalog') {
    const robotMayList = principal.kind === 'robot' && principal.project === null
      && principal.permissions.some((p) => p.pattern === '**' && p.actions.includes('catalog'));
    return robotMayList ? allow('robot-permission') : deny('catalog-restricted');
  }

  const projectName = 'repo' in request ? projectOf(request.repo) : request.project;
  const project = facts.project;
  if (!project || project.name !== projectName || !project.exists) return deny('no-project');
  if (request.action === 'pull' && project.isPublic) return allow('public-pull');
  if (principal.kind === 'anonymous') return deny('anonymous');

  const path = 'repo' in request ? pathInProject(request.repo) : undefined;
  if (principal.kind === 'robot') return robotHolds(principal, request.action, projectName, path) ? allow('robot-permission') : deny('no-permission');

  const inProject = facts.grants.filter((g) => g.project === projectName);
  if (inProject.length === 0) return deny('no-grant');
  const holds = inProject.some((g) => ROLE_ACTIONS[g.role].includes(request.action)
    && (path === undefined ? g.pattern === '**' : storedPatternMatches(g.pattern, path)));
  return holds ? allow('grant') : deny('no-permission');
}

/** `path` undefined means a project action, which needs a permission covering the whole project. */
function robotHolds(robot: RobotPrincipal, action: PolicyAction, project: string, path: string | undefined): boolean {
  if (robot.project !== null && robot.project !== project) return false;
  return robot.permissions.some((p) => {
    if (!p.actions.includes(action)) return false;
    // A project robot's pattern must name its own project literally; `*/x` or `**` could reach further.
    const slash = p.pattern.indexOf('/');
    const first = slash === -1 ? p.pattern : p.pattern.slice(0, slash);
    const rest = slash === -1 ? undefined : p.pattern.slice(slash + 1);
    if (first === project) {
      if (path === undefined) return rest === '**';
      return rest === undefined ? path === '' : storedPatternMatches(rest, path);
    }
    if (robot.project !== null) return false;
    // A system robot's pattern may start with wildcards, e.g. `**` or `*/builds/**`.
    const full = path === undefined ? undefined : path === '' ? project : `${project}/${path}`;
    return full === undefined ? p.pattern === '**' : storedPatternMatches(p.pattern, full);
  });
}

/**
 * The repository actions `principal` may do on `repo`: what the token endpoint intersects with the requested
 * scope. Pure; never throws.
 */
export function allowedActions(principal: ResolvedPrincipal, repo: RepoName, facts: DecisionFacts): RepositoryAction[] {
  return REPOSITORY_ACTIONS.filter((action) => decide(principal, { action, repo }, facts).allowed);
}
