import { API_PREFIX, defineRoute, type ApiRoute, type Guard } from './api-route.ts';
import { toJsonSchema } from './json-schema.ts';

/**
 * The OpenAPI 3.1 document, built from the same route definitions the plugin registers: paths, parameters,
 * bodies and answers come from the routes' zod schemas, `x-permission` from their guards.
 */

type JsonObject = Record<string, unknown>;

const PROBLEM = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is Berth\'s stable error code, `context` says what was wrong (e.g. `field`)',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    context: { type: 'object' },
  },
};

const ERRORS: Readonly<Record<number, string>> = {
  400: 'invalid input (the problem names the field)',
  401: 'credentials missing or wrong',
  403: 'the caller may see the resource but not do this',
  404: 'no such resource, or one the caller may not see',
  409: 'conflicts with the current state (name taken, still in use)',
  413: 'request body over 1 MiB',
  429: 'too many failed logins',
};

/** `/users/:username` -> `/api/v1/users/{username}`. */
export function openApiPath(path: string): string {
  return API_PREFIX + path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: ApiRoute): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...propertySchema } = property;
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: propertySchema,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }
  }
  return out;
}

function responses(route: ApiRoute): JsonObject {
  const status = route.status ?? 200;
  const content: JsonObject = {};
  if (status !== 204) content['application/json'] = { schema: route.response ? toJsonSchema(route.response, 'output') : {} };
  for (const alt of route.alsoProduces ?? []) content[alt.contentType] = { schema: { type: 'string', description: alt.description } };
  const out: JsonObject = { [String(status)]: { description: status === 201 ? 'created' : status === 204 ? 'done' : 'ok', ...(status !== 204 ? { content } : {}) } };
  const codes = route.permission.requiresAuth ? [400, 401, 403, 404, 409, 413, 429] : [];
  for (const code of codes) out[String(code)] = { description: ERRORS[code], content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  return out;
}

function operationId(route: ApiRoute): string {
  const words = route.path.split('/').filter(Boolean).map((part) => part.replace(/^:/, 'by-'));
  return [route.method.toLowerCase(), ...words].join('-').replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase());
}

/** The document for `routes`. Pure. */
export function buildOpenApiDocument(routes: readonly ApiRoute[], info: { version: string }): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const operation: JsonObject = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.tag],
      'x-permission': route.permission.describe,
      security: route.permission.requiresAuth ? [{ basic: [] }, { bearer: [] }] : [],
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(route.body, 'input') } } } } : {}),
      ...(route.rawBodyTypes ? { requestBody: { required: true, content: Object.fromEntries(route.rawBodyTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) } } : {}),
      responses: responses(route),
    };
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Berth management API', version: info.version, description: 'Users, teams, projects, grants, robots, IP rules, audit and alerts.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Problem: PROBLEM },
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'a user or robot (robot$<project>+<name>) and its password or secret' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a registry token from /auth/token; grants registry access only' },
      },
    },
  };
}

/** GET /api/v1/openapi.json: the document of `routes` plus itself, built once on first request. */
export function openApiRoute(routes: readonly ApiRoute[], anyone: Guard, info: { version: string }): ApiRoute {
  let document: JsonObject | undefined;
  const self: ApiRoute = defineRoute({
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'meta',
    permission: anyone,
    handle: async () => (document ??= buildOpenApiDocument([...routes, self], info)),
  });
  return self;
}
