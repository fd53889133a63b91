/** What a registry request asks to do; every /v2 route declares one. */
export type RegistryAction = 'pull' | 'push' | 'delete' | 'catalog';

export interface Principal {
  kind: 'anonymous' | 'user' | 'robot';
  name: string;
}

/** A registry action on one repository (everything but the catalog). */
export type RepositoryAction = Exclude<RegistryAction, 'catalog'>;

/** Project administration beyond the registry protocol (REST API); which role holds which is in policy.ts. */
export type ProjectAction = 'manage-tag-rules' | 'manage-retention' | 'manage-members' | 'manage-settings' | 'manage-robots';

/** Every action the policy decides on. */
export type PolicyAction = RegistryAction | ProjectAction;

/** The caller without credentials. */
export interface AnonymousPrincipal extends Principal {
  kind: 'anonymous';
}

export const ANONYMOUS: AnonymousPrincipal = Object.freeze({ kind: 'anonymous', name: 'anonymous' });

/** A local user account, as authentication resolved it. */
export interface UserPrincipal extends Principal {
  kind: 'user';
  id: string;
  /** System admin: may do everything everywhere. */
  isAdmin: boolean;
  /** A disabled account may do nothing, not even what anonymous callers may. */
  isDisabled: boolean;
}

/**
 * One robot permission: `pattern` is a repository glob including the project (`acme/**`, `acme/api/*`);
 * see policy.ts for the glob grammar.
 */
export interface RobotPermission {
  pattern: string;
  actions: readonly PolicyAction[];
}

/** A machine identity: `robot$<project>+<name>` (project robot) or `robot$<name>` (system robot). */
export interface RobotPrincipal extends Principal {
  kind: 'robot';
  id: string;
  /** The project a project robot belongs to (its permissions never reach outside it); null for system robots. */
  project: string | null;
  permissions: readonly RobotPermission[];
  /** Epoch milliseconds after which the robot may do nothing; null for never. */
  expiresAt: number | null;
  isDisabled: boolean;
}

/** A principal with everything the policy needs to know about it. */
export type ResolvedPrincipal = AnonymousPrincipal | UserPrincipal | RobotPrincipal;
