import { BerthError } from '../errors/berth-error.ts';
import { isRepoName, type RepoName } from '../oci/names.ts';
import type { RegistryAction, RepositoryAction } from './authorizer.ts';

/**
 * Docker token scopes (https://distribution.github.io/distribution/spec/auth/scope/):
 * `repository:<name>:<action>[,<action>...]` and `registry:catalog:*`. Names follow src/oci/names.ts, so the
 * upstream grammar's `host:port/name` form is refused. The same shape is the JWT `access` claim.
 */
export type ResourceScope =
  | { type: 'repository'; name: RepoName; actions: RepositoryAction[] }
  | { type: 'registry'; name: 'catalog'; actions: ['*'] };

/** One entry of a token's `access` claim; identical to a ResourceScope. */
export type TokenAccess = ResourceScope;

export const REPOSITORY_ACTIONS: readonly RepositoryAction[] = Object.freeze(['pull', 'push', 'delete']);
/** Scope strings longer than this are refused (the longest sane one is a 255-character name plus actions). */
export const MAX_SCOPE_LENGTH = 512;
/** At most this many resource scopes per token request. */
export const MAX_SCOPES = 32;

const ACTION_RE = /^[a-z*]+$/;

function invalid(raw: string, why: string): BerthError {
  return new BerthError('BAD_REQUEST', { message: `invalid scope: ${why}`, detail: { scope: raw.slice(0, 300) } });
}

/**
 * Parses one resource scope. Unknown action words (`repository:a:pull,frobnicate`) are dropped, since nothing
 * can ever grant them; `*` on a repository means every repository action. Returns undefined for a well-formed
 * scope of a resource type Berth does not serve (`repository(plugin):...`, `registry:other:*`), which the
 * token endpoint simply does not grant. Throws BerthError('BAD_REQUEST') for malformed text, including a name
 * that is not a valid repository name (e.g. `repository:host:5000/name:pull`). Pure.
 */
export function parseScope(raw: string): ResourceScope | undefined {
  if (raw.length > MAX_SCOPE_LENGTH) throw invalid(raw, 'too long');
  const parts = raw.split(':');
  if (parts.length !== 3) throw invalid(raw, 'expected <type>:<name>:<actions> (names cannot contain a colon)');
  const [type, name, actionList] = parts as [string, string, string];
  if (type.length === 0 || name.length === 0 || actionList.length === 0) throw invalid(raw, 'empty type, name or actions');
  const words = actionList.split(',');
  if (words.some((w) => !ACTION_RE.test(w))) throw invalid(raw, 'malformed action list');
  if (type === 'registry') {
    return name === 'catalog' && words.includes('*') ? { type: 'registry', name: 'catalog', actions: ['*'] } : undefined;
  }
  if (type !== 'repository') return undefined;
  if (!isRepoName(name)) throw invalid(raw, 'repository name does not match [a-z0-9]+([._-][a-z0-9]+)*(/...)*');
  const actions = words.includes('*') ? [...REPOSITORY_ACTIONS] : REPOSITORY_ACTIONS.filter((a) => words.includes(a));
  return { type: 'repository', name, actions };
}

/**
 * Parses every `scope` query parameter of a token request (the parameter may repeat, and each value may hold
 * several scopes separated by spaces). Scopes naming the same resource are merged (union of actions) and keep
 * the position of their first mention; scopes Berth does not serve are left out. Throws BerthError('BAD_REQUEST')
 * for a malformed scope or more than MAX_SCOPES of them. Pure.
 */
export function parseScopes(params: string | readonly string[] | undefined): ResourceScope[] {
  const values = params === undefined ? [] : typeof params === 'string' ? [params] : params;
  const raws = values.flatMap((v) => v.split(' ')).filter((s) => s.length > 0);
  if (raws.length > MAX_SCOPES) throw new BerthError('BAD_REQUEST', { message: `at most ${MAX_SCOPES} scopes per token request` });
  const merged = new Map<string, ResourceScope>();
  for (const raw of raws) {
    const scope = parseScope(raw);
    if (!scope) continue;
    const key = `${scope.type}:${scope.name}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, scope);
    else if (seen.type === 'repository' && scope.type === 'repository') {
      seen.actions = REPOSITORY_ACTIONS.filter((a) => seen.actions.includes(a) || scope.actions.includes(a));
    }
  }
  return [...merged.values()];
}

/** `repository:acme/api:pull,push`; actions in the order given. Pure. */
export function formatScope(scope: ResourceScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/**
 * What to grant for one requested scope: its actions that are also in `allowed`, in canonical order (pull,
 * push, delete). `allowed` lists what the policy permits on that resource (for the catalog: include
 * 'catalog'). Returns undefined when nothing is granted, so the token carries no empty entries. Pure.
 */
export function intersectScope(requested: ResourceScope, allowed: readonly RegistryAction[]): ResourceScope | undefined {
  if (requested.type === 'registry') return allowed.includes('catalog') ? { type: 'registry', name: 'catalog', actions: ['*'] } : undefined;
  const actions = REPOSITORY_ACTIONS.filter((a) => requested.actions.includes(a) && allowed.includes(a));
  return actions.length > 0 ? { type: 'repository', name: requested.name, actions } : undefined;
}

/**
 * Whether a verified token's access list lets its bearer do `action` on `repo` (`repo` is ignored for the
 * catalog). Pure.
 */
export function accessAllows(access: readonly TokenAccess[], action: RegistryAction, repo?: RepoName): boolean {
  if (action === 'catalog') return access.some((a) => a.type === 'registry' && a.name === 'catalog');
  return repo !== undefined && access.some((a) => a.type === 'repository' && a.name === repo && a.actions.includes(action));
}

/**
 * The scope a registry response should ask for when `action` was refused: Docker clients request exactly this
 * from the token endpoint. A push also asks for pull, because pushing a layer needs to check blobs exist.
 */
export function challengeScope(action: RegistryAction, repo?: RepoName): ResourceScope {
  if (action === 'catalog') return { type: 'registry', name: 'catalog', actions: ['*'] };
  if (repo === undefined) throw new TypeError(`challengeScope(${action}) needs a repository`);
  return { type: 'repository', name: repo, actions: action === 'push' ? ['pull', 'push'] : [action] };
}

export interface Challenge {
  /** Token endpoint URL, e.g. `https://registry.example.com/auth/token`. */
  realm: string;
  /** The service name, which becomes the token audience. */
  service: string;
  /** Scopes the client should request; omitted from the header when empty. */
  scopes?: readonly ResourceScope[];
  /** `insufficient_scope` when the caller presented a token that lacks the scope (RFC 6750 section 3.1). */
  error?: 'insufficient_scope' | 'invalid_token';
}

function quoted(value: string): string {
  // RFC 7230 quoted-string: escape the quote and the backslash; refuse what a header cannot carry.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError('challenge parameter contains control characters');
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The `WWW-Authenticate` value for a 401 under /v2:
 * `Bearer realm="...",service="...",scope="repository:a:pull repository:b:pull,push",error="insufficient_scope"`.
 * Throws TypeError for control characters in realm or service (configuration, never user input). Pure.
 */
export function formatChallenge(challenge: Challenge): string {
  const params = [`realm=${quoted(challenge.realm)}`, `service=${quoted(challenge.service)}`];
  if (challenge.scopes && challenge.scopes.length > 0) params.push(`scope=${quoted(challenge.scopes.map(formatScope).join(' '))}`);
  if (challenge.error) params.push(`error=${quoted(challenge.error)}`);
  return `Bearer ${params.join(',')}`;
}
