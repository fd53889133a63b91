import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RegistryAction, ResolvedPrincipal } from '../auth/authorizer.ts';
import type { RepoName } from '../oci/names.ts';
import type { V2Endpoint, V2EndpointKind } from './v2-path.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface V2Context<K extends V2EndpointKind = V2EndpointKind> {
  req: FastifyRequest;
  reply: FastifyReply;
  endpoint: Extract<V2Endpoint, { kind: K }>;
  /** The validated repository name (absent for the base and catalog endpoints). */
  repo: RepoName;
  principal: ResolvedPrincipal;
  query: URLSearchParams;
  /** Whether the same caller may also pull `repo` (e.g. the source of a cross-repository mount). Never throws for a no. */
  mayPull(repo: RepoName): Promise<boolean>;
  /** Records an audit event about this request (caller, address, request id and repository filled in). Never throws. */
  /** Set by a manifest PUT that moved a tag: the digest the tag pointed at before (the plugin audits the move). */
  tagMovedFrom?: string;
  audit(event: { action: string; result: 'success' | 'failure' | 'denied'; reference?: string; digest?: string; detail?: Record<string, unknown> }): void;
}

/** One /v2 endpoint and method, with the action it needs; the plugin authorizes before `handle` runs. */
export interface V2Route<K extends V2EndpointKind = V2EndpointKind> {
  kind: K;
  method: HttpMethod;
  action: RegistryAction;
  handle(ctx: V2Context<K>): Promise<void>;
}

export function route<K extends V2EndpointKind>(kind: K, method: HttpMethod, action: RegistryAction, handle: (ctx: V2Context<K>) => Promise<void>): V2Route {
  return { kind, method, action, handle } as unknown as V2Route;
}
