import type { RepoName } from '../oci/names.ts';

/** What a registry request asks to do; every /v2 route declares one. */
export type RegistryAction = 'pull' | 'push' | 'delete' | 'catalog';

export interface Principal {
  kind: 'anonymous' | 'user' | 'robot';
  name: string;
}

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', name: 'anonymous' });

/**
 * The access-control seam. Routes never decide access themselves: they declare an action and the authorizer
 * answers. A resource the caller may not see must look exactly like a missing one, so callers map a refusal
 * to UNAUTHORIZED (anonymous) or to the "unknown" error of the resource.
 */
export interface Authorizer {
  /** Who is calling, from the request's credentials. Throws UNAUTHORIZED for credentials that do not verify. */
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<Principal>;
  /** Whether `principal` may do `action` on `repo` (`repo` is undefined for the catalog). Never throws for a no. */
  can(principal: Principal, action: RegistryAction, repo?: RepoName): Promise<boolean>;
}

/**
 * Everyone may do everything: the behaviour until identity and access control (issue #3) arrive. Berth binds
 * to loopback by default so this is never exposed by accident.
 */
export class OpenAuthorizer implements Authorizer {
  async authenticate(): Promise<Principal> {
    return ANONYMOUS;
  }

  async can(): Promise<boolean> {
    return true;
  }
}
