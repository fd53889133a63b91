import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { basic, callerFor, expectProblem, expectStatus, startApiFixture, type ApiFixture } from './api-client.ts';

/** `METHOD /path/{param}` for every route Fastify serves under /api/v1, read from its own route tree. */
function servedApiRoutes(app: FastifyInstance): Set<string> {
  const served = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─ ]*)(\S+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m || m[2] === undefined) continue;
    const depth = (m[1] ?? '').length / 4 - 1;
    stack.length = depth;
    stack[depth] = m[2];
    const path = stack.join('');
    if (!m[3] || !path.startsWith('/api/v1')) continue;
    for (const method of m[3].split(', ')) served.add(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
  }
  return served;
}

/** The REST surface table of docs/design/identity.md. */
const DESIGNED = [
  'GET /api/v1/openapi.json', 'GET /api/v1/me', 'PUT /api/v1/me/password',
  'GET /api/v1/users', 'POST /api/v1/users', 'GET /api/v1/users/{username}', 'PATCH /api/v1/users/{username}', 'DELETE /api/v1/users/{username}',
  'GET /api/v1/teams', 'POST /api/v1/teams', 'DELETE /api/v1/teams/{team}',
  'GET /api/v1/teams/{team}/members', 'PUT /api/v1/teams/{team}/members/{username}', 'DELETE /api/v1/teams/{team}/members/{username}',
  'GET /api/v1/projects', 'POST /api/v1/projects', 'GET /api/v1/projects/{project}', 'PATCH /api/v1/projects/{project}', 'DELETE /api/v1/projects/{project}',
  'GET /api/v1/projects/{project}/members', 'POST /api/v1/projects/{project}/members', 'DELETE /api/v1/projects/{project}/members/{kind}/{name}',
  'GET /api/v1/projects/{project}/robots', 'POST /api/v1/projects/{project}/robots',
  'GET /api/v1/robots', 'POST /api/v1/robots', 'PATCH /api/v1/robots/{robotName}', 'DELETE /api/v1/robots/{robotName}', 'POST /api/v1/robots/{robotName}/secret',
  'GET /api/v1/ip-rules', 'POST /api/v1/ip-rules', 'DELETE /api/v1/ip-rules/{id}',
  'GET /api/v1/projects/{project}/ip-rules', 'POST /api/v1/projects/{project}/ip-rules', 'DELETE /api/v1/projects/{project}/ip-rules/{id}',
  'GET /api/v1/robots/{robotName}/ip-rules', 'POST /api/v1/robots/{robotName}/ip-rules', 'DELETE /api/v1/robots/{robotName}/ip-rules/{id}',
  'GET /api/v1/audit', 'GET /api/v1/audit/verify', 'GET /api/v1/alerts', 'POST /api/v1/alerts/{id}/acknowledge',
  'GET /api/v1/storage', 'GET /api/v1/projects/{project}/storage', 'GET /api/v1/repositories/{repo}/storage', 'GET /api/v1/analysis',
  'POST /api/v1/promotions', 'GET /api/v1/promotion-gate-kinds', 'GET /api/v1/repositories/{repo}/release-notes/{reference}',
  'GET /api/v1/projects/{project}/promotion-gates', 'POST /api/v1/projects/{project}/promotion-gates', 'DELETE /api/v1/projects/{project}/promotion-gates/{id}',
  'GET /api/v1/repositories/{repo}/tags/{tag}/history', 'POST /api/v1/repositories/{repo}/tags/{tag}/rollback', 'POST /api/v1/repositories/{repo}/tags/{tag}/restore',
  'GET /api/v1/repositories/{repo}/tags', 'GET /api/v1/projects/{project}/tag-rules', 'PUT /api/v1/projects/{project}/tag-rules/production',
  'POST /api/v1/projects/{project}/tag-rules/naming', 'DELETE /api/v1/projects/{project}/tag-rules/naming/{id}',
  'POST /api/v1/projects/{project}/tag-rules/immutable', 'DELETE /api/v1/projects/{project}/tag-rules/immutable/{id}',
  'GET /api/v1/vulndb', 'POST /api/v1/vulndb/import', 'POST /api/v1/vulndb/sync', 'POST /api/v1/vulnerabilities/match',
  'POST /api/v1/gc', 'GET /api/v1/projects/{project}/retention', 'PUT /api/v1/projects/{project}/retention', 'DELETE /api/v1/projects/{project}/retention',
  'POST /api/v1/projects/{project}/retention/runs',
  'GET /api/v1/projects/{project}/trust-policy', 'PUT /api/v1/projects/{project}/trust-policy', 'DELETE /api/v1/projects/{project}/trust-policy',
  'GET /api/v1/scans', 'POST /api/v1/scans', 'POST /api/v1/scans/all', 'GET /api/v1/scans/queue', 'GET /api/v1/repositories/{repo}/scans',
  'GET /api/v1/vulnerabilities/{id}/images', 'GET /api/v1/projects/{project}/scan-policy', 'PUT /api/v1/projects/{project}/scan-policy',
  'GET /api/v1/projects/{project}/scan-exceptions', 'POST /api/v1/projects/{project}/scan-exceptions', 'DELETE /api/v1/projects/{project}/scan-exceptions/{id}',
];

describe('REST API: OpenAPI document', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(() => f?.stop());

  it('is served to anyone as OpenAPI 3.1 JSON listing exactly the routes Fastify serves', async () => {
    const res = await f.anonymous('GET', '/openapi.json');
    expectStatus(res, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const doc = JSON.parse(res.text);
    assert.equal(doc.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const served = servedApiRoutes(f.berth.app);
    assert.ok(served.size >= DESIGNED.length, `parsed only ${served.size} routes from Fastify`);
    assert.deepEqual([...documented].sort(), [...served].sort());
    assert.deepEqual([...documented].sort(), [...DESIGNED].sort());
    for (const op of documented) {
      const [method, path] = op.split(' ') as [string, string];
      assert.equal(f.berth.app.hasRoute({ method, url: path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1') }), true, op);
    }
    // Credentials sent to the document are not even looked at.
    expectStatus(await callerFor(f.berth, basic('admin', 'wrong'))('GET', '/openapi.json'), 200);
  });

  it('describes each operation: permission, path parameters, bodies, answers, unique ids', async () => {
    const doc = (await f.anonymous('GET', '/openapi.json')).body;
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.equal(typeof op['x-permission'], 'string', where);
        assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
        ids.add(op.operationId);
        const declared = op.parameters.filter((p: { in: string }) => p.in === 'path').map((p: { name: string; required: boolean }) => (assert.equal(p.required, true), p.name));
        assert.deepEqual(declared.sort(), [...pathParams].sort(), where);
        assert.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), where);
        // A JSON body, or a raw upload of named types (the vulndb import).
        if (['post', 'put', 'patch'].includes(method) && op.requestBody) assert.ok(Object.values(op.requestBody.content as Record<string, { schema?: unknown }>).every((c) => c.schema), where);
      }
    }
    const createUser = doc.paths['/api/v1/users'].post;
    assert.deepEqual(createUser.requestBody.content['application/json'].schema.required.sort(), ['password', 'username']);
    assert.equal(createUser['x-permission'], 'admin');
    assert.ok(createUser.responses['201'].content['application/json'].schema.properties.username);
    assert.equal(createUser.responses['201'].content['application/json'].schema.properties.passwordHash, undefined);
    assert.ok(doc.paths['/api/v1/audit'].get.responses['200'].content['application/jsonl']);
    assert.deepEqual(doc.paths['/api/v1/openapi.json'].get.security, []);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['basic', 'bearer']);
  });
});

describe('REST API: edge behaviour', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(() => f?.stop());

  it('answers problem+json for malformed JSON, a wrong media type, an oversize body and unknown paths', async () => {
    expectProblem(await f.admin('POST', '/users', '{"username":'), 400, 'BAD_REQUEST');
    expectProblem(await f.admin('POST', '/users', 'username=x', { 'content-type': 'text/plain' }), 400, 'BAD_REQUEST');
    const huge = JSON.stringify({ username: 'big', password: 'x'.repeat(1024 * 1024) });
    expectProblem(await f.admin('POST', '/users', huge), 413, 'BODY_TOO_LARGE');
    expectProblem(await f.admin('GET', '/nope'), 404, 'NOT_FOUND');
    expectProblem(await callerFor(f.berth, 'Basic !!!')('GET', '/me'), 401, 'UNAUTHORIZED');
    expectProblem(await callerFor(f.berth, 'Digest abc')('GET', '/me'), 401, 'UNAUTHORIZED');
  });

  it('a registry token identifies the caller but grants no admin rights', async () => {
    const res = await fetch(`${f.berth.url}/auth/token?service=berth`, { headers: { authorization: basic('admin', TEST_ADMIN_PASSWORD) } });
    assert.equal(res.status, 200);
    const { token } = (await res.json()) as { token: string };
    const bearer = callerFor(f.berth, `Bearer ${token}`);
    const me = await bearer('GET', '/me');
    expectStatus(me, 200);
    assert.equal(me.body.method, 'bearer');
    expectProblem(await bearer('GET', '/users'), 403, 'DENIED');
    expectProblem(await callerFor(f.berth, 'Bearer not.a.token')('GET', '/me'), 401, 'UNAUTHORIZED');
  });
});

describe('REST API: with authentication off', { timeout: 120_000 }, () => {
  let berth: TestBerth;
  before(async () => {
    berth = await startTestBerth({}, { open: true });
  });
  after(() => berth?.stop());

  it('everyone may do everything', async () => {
    const anyone = callerFor(berth);
    expectStatus(await anyone('POST', '/projects', { name: 'open' }), 201);
    expectStatus(await anyone('GET', '/users'), 200);
    expectStatus(await anyone('GET', '/projects/open/members'), 200);
  });
});
