/**
 * The authorization matrix's expectations, written from the role definitions of issue #3 and
 * docs/design/identity.md, NOT from src/auth/policy.ts, so that the matrix can catch a policy bug:
 * - guest: pull; developer: pull, push; maintainer: + delete; owner: + members, project settings, project robots;
 *   system admin: everything everywhere;
 * - a grant may be narrowed to a repository pattern inside the project (`frontend/*`);
 * - public projects: anyone may pull; private ones are invisible to non-members and look like missing ones;
 * - robots hold an explicit action list inside their own project only; an expired robot or a disabled user
 *   cannot sign in at all;
 * - the catalog is for admins only.
 */

export type ProjectKey = 'pubp' | 'privp';
export const MATRIX_PROJECTS: readonly { key: ProjectKey; isPublic: boolean }[] = [
  { key: 'pubp', isPublic: true },
  { key: 'privp', isPublic: false },
];
/** The two repositories in each matrix project: one inside the narrowed developer's pattern, one outside. */
export const REPO_PATHS = ['app', 'frontend/web'] as const;
export type RepoPath = (typeof REPO_PATHS)[number];
/** A repository that never exists, of the same length, for "looks exactly like a missing one". */
export const ABSENT_PATH: Record<RepoPath, string> = { app: 'zzz', 'frontend/web': 'frontend/zzz' };
/** A project that never exists, of the same length as `privp`. */
export const ABSENT_PROJECT = 'ghstp';

export type Role = 'guest' | 'developer' | 'maintainer' | 'owner';
export type RepoAction = 'pull' | 'push' | 'delete';
export type ProjectAction = 'members' | 'settings' | 'robots';

const ROLE_ACTIONS: Record<Role, readonly (RepoAction | ProjectAction)[]> = {
  guest: ['pull'],
  developer: ['pull', 'push'],
  maintainer: ['pull', 'push', 'delete'],
  owner: ['pull', 'push', 'delete', 'members', 'settings', 'robots'],
};

export interface PrincipalSpec {
  key: string;
  /** Index used to name per-principal fixtures (sacrificial tags, robots, rules). */
  index: number;
  kind: 'anonymous' | 'user' | 'robot';
  /** False for a disabled user or an expired robot: credentials are refused outright. */
  isUsable: boolean;
  isAdmin?: boolean;
  /** The user's grant in both matrix projects. */
  grant?: { role: Role; pattern: '**' | 'frontend/*' };
  /** Robot: the robot named `robot$<project>+<robotName>` of each matrix project, or of project `other`. */
  robot?: { name: string; ofMatrixProject: boolean; actions: readonly RepoAction[] };
}

export const PRINCIPALS: readonly PrincipalSpec[] = [
  { key: 'anonymous', kind: 'anonymous', isUsable: true },
  { key: 'guest', kind: 'user', isUsable: true, grant: { role: 'guest', pattern: '**' } },
  { key: 'developer', kind: 'user', isUsable: true, grant: { role: 'developer', pattern: '**' } },
  { key: 'maintainer', kind: 'user', isUsable: true, grant: { role: 'maintainer', pattern: '**' } },
  { key: 'owner', kind: 'user', isUsable: true, grant: { role: 'owner', pattern: '**' } },
  { key: 'narrow-developer', kind: 'user', isUsable: true, grant: { role: 'developer', pattern: 'frontend/*' } },
  { key: 'outsider', kind: 'user', isUsable: true },
  { key: 'disabled', kind: 'user', isUsable: false, grant: { role: 'owner', pattern: '**' } },
  { key: 'admin', kind: 'user', isUsable: true, isAdmin: true },
  { key: 'robot-pull', kind: 'robot', isUsable: true, robot: { name: 'pull', ofMatrixProject: true, actions: ['pull'] } },
  { key: 'robot-push', kind: 'robot', isUsable: true, robot: { name: 'push', ofMatrixProject: true, actions: ['pull', 'push'] } },
  { key: 'robot-other', kind: 'robot', isUsable: true, robot: { name: 'all', ofMatrixProject: false, actions: ['pull', 'push', 'delete'] } },
  { key: 'robot-expired', kind: 'robot', isUsable: false, robot: { name: 'expired', ofMatrixProject: true, actions: ['pull', 'push'] } },
].map((p, index) => ({ ...p, index }) as PrincipalSpec);

const isPublic = (project: ProjectKey): boolean => MATRIX_PROJECTS.find((p) => p.key === project)!.isPublic;

function patternMatches(pattern: string, path: string): boolean {
  if (pattern === '**') return true;
  const re = new RegExp(`^${pattern.split('/').map((part) => (part === '*' ? '[^/]+' : part.replace(/[.]/g, '\\.'))).join('/')}$`);
  return re.test(path);
}

/**
 * Whether `p` may do `action` on `<project>/<path>`; 'unauthenticated' when its credentials are refused. A
 * matrix robot is the one of `robotProject` (by default the project asked about): it holds nothing elsewhere.
 */
export function mayRepo(p: PrincipalSpec, project: ProjectKey, path: RepoPath, action: RepoAction, robotProject: ProjectKey = project): boolean | 'unauthenticated' {
  if (!p.isUsable) return 'unauthenticated';
  if (p.isAdmin) return true;
  if (action === 'pull' && isPublic(project)) return true;
  if (p.grant) return ROLE_ACTIONS[p.grant.role].includes(action) && patternMatches(p.grant.pattern, path);
  if (p.robot) return p.robot.ofMatrixProject && robotProject === project && p.robot.actions.includes(action);
  return false;
}

/** Members: users with a grant in the project (any pattern), the project's own robots, admins. */
export function isMember(p: PrincipalSpec, _project: ProjectKey): boolean {
  return p.isAdmin === true || p.grant !== undefined || (p.robot?.ofMatrixProject ?? false);
}

export function isVisible(p: PrincipalSpec, project: ProjectKey): boolean {
  return isPublic(project) || isMember(p, project);
}

/** Project actions need a whole-project grant (`**`) of a role that holds them. */
export function mayProject(p: PrincipalSpec, _project: ProjectKey, action: ProjectAction): boolean {
  if (p.isAdmin) return true;
  return p.grant !== undefined && p.grant.pattern === '**' && ROLE_ACTIONS[p.grant.role].includes(action);
}

/** The projects GET /api/v1/projects lists for `p` (of pubp, privp and the robot's project `other`). */
export function visibleProjects(p: PrincipalSpec): string[] {
  if (p.isAdmin) return ['other', 'privp', 'pubp'];
  if (p.robot && !p.robot.ofMatrixProject) return ['other', 'pubp'];
  return isMember(p, 'privp') ? ['privp', 'pubp'] : ['pubp'];
}
