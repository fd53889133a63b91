import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AuthenticatedCaller, CallerContext } from '../auth/access.ts';
import type { Actor } from '../identity/identity-context.ts';

/**
 * One REST endpoint, declared once: method, path, the permission it needs, zod schemas for params, query, body
 * and answer. The plugin turns the schemas into Fastify validation and serialization, and openapi.ts into the
 * OpenAPI document, so the two cannot disagree.
 */

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who is calling, resolved once per request before any guard or handler runs. */
export interface ApiCaller {
  caller: AuthenticatedCaller;
  ctx: CallerContext;
  actor: Actor;
}

/** What a guard may look at: the caller and the (not yet validated) path and query parameters. */
export interface GuardInput extends ApiCaller {
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
}

/** A route's declared permission. */
export interface Guard {
  /** Shown in the OpenAPI document as `x-permission`. */
  describe: string;
  /** False only for routes anyone may call: no credentials are read at all. */
  requiresAuth: boolean;
  /**
   * Resolves when the caller may call the route. Throws UNAUTHORIZED for anonymous callers, RESOURCE_UNKNOWN
   * for a resource the caller may not see, DENIED for one they may see but not change.
   */
  check(input: GuardInput): Promise<void>;
}

export interface HandlerInput<P, Q> extends ApiCaller {
  params: P;
  query: Q;
  /** Already checked against the body's JSON Schema; the service parses it with the same zod schema. */
  body: unknown;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: ApiMethod;
  /** Path under /api/v1 in Fastify syntax: `/users/:username`. */
  path: string;
  summary: string;
  /** OpenAPI tag: the resource. */
  tag: string;
  permission: Guard;
  params?: P;
  query?: Q;
  body?: z.ZodType;
  /** Content types taken as a raw stream (`req.body` is the Readable); the handler bounds what it reads. */
  rawBodyTypes?: readonly string[];
  /** Largest JSON body; the API's 1 MiB when absent. */
  bodyLimitBytes?: number;
  /** Success status: 200 by default; 204 routes answer no body. */
  status?: 200 | 201 | 204;
  /** Schema of the success body (omitted for 204, and for free-form answers like the OpenAPI document). */
  response?: z.ZodType;
  /** Other content types the success answer may take (e.g. the JSON lines audit export). */
  alsoProduces?: readonly { contentType: string; description: string }[];
  handle(input: HandlerInput<z.output<P>, z.output<Q>>): Promise<unknown>;
}

/** Keeps the handler's params and query typed by their schemas. */
export function defineRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(route: ApiRoute<P, Q>): ApiRoute {
  return route as unknown as ApiRoute;
}

/** The API's base path. */
export const API_PREFIX = '/api/v1';
