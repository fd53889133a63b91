import assert from 'node:assert/strict';
import { formatBasicAuthorization } from '../../src/auth/credentials.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';

/** A small client for /api/v1 tests: real HTTP through fetch, one caller per instance. */

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else undefined. */
  body: T;
  text: string;
}

export type Caller = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

export function basic(username: string, password: string): string {
  return formatBasicAuthorization(username, password);
}

/** Calls `/api/v1<path>` with the given Authorization value (none: anonymous). */
export function callerFor(berth: TestBerth, authorization?: string): Caller {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${berth.url}/api/v1${path}`, {
      method,
      headers: {
        ...(authorization !== undefined ? { authorization } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, text, body: type.includes('json') && !type.includes('jsonl') && text !== '' ? JSON.parse(text) : undefined };
  };
}

/** Asserts a problem+json answer with `status` and `code`; returns its body. */
export function expectProblem(res: ApiResponse, status: number, code: string): { detail: string; code: string; context?: Record<string, unknown> } {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  return res.body;
}

/** Asserts a 400 naming `field` (e.g. `body.username`). */
export function expectBadField(res: ApiResponse, field: string): void {
  const problem = expectProblem(res, 400, 'BAD_REQUEST');
  assert.equal(problem.context?.field, field, `expected the failing field ${field}: ${res.text.slice(0, 300)}`);
}

export function expectStatus(res: ApiResponse, status: number): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`);
}

/** A running Berth with its admin caller and helpers to make users and projects through the API itself. */
export interface ApiFixture {
  berth: TestBerth;
  admin: Caller;
  anonymous: Caller;
  /** Creates a user (password `<name>-password`) and returns a caller signed in as them. */
  user(name: string, opts?: { isAdmin?: boolean }): Promise<Caller>;
  project(name: string, opts?: { isPublic?: boolean }): Promise<void>;
  /** Grants `role` on `project` to user `name` (pattern `**`). */
  grant(project: string, name: string, role: 'guest' | 'developer' | 'maintainer' | 'owner', pattern?: string): Promise<void>;
  stop(): Promise<void>;
}

export const passwordOf = (name: string): string => `${name}-password`;

export async function startApiFixture(overrides: Record<string, unknown> = {}): Promise<ApiFixture> {
  const berth = await startTestBerth(overrides);
  const admin = callerFor(berth, basic('admin', TEST_ADMIN_PASSWORD));
  return {
    berth,
    admin,
    anonymous: callerFor(berth),
    async user(name, opts = {}) {
      expectStatus(await admin('POST', '/users', { username: name, password: passwordOf(name), isAdmin: opts.isAdmin ?? false }), 201);
      return callerFor(berth, basic(name, passwordOf(name)));
    },
    async project(name, opts = {}) {
      expectStatus(await admin('POST', '/projects', { name, isPublic: opts.isPublic ?? false }), 201);
    },
    async grant(project, name, role, pattern = '**') {
      expectStatus(await admin('POST', `/projects/${project}/members`, { user: name, role, pattern }), 201);
    },
    stop: () => berth.stop(),
  };
}

/** Every password or secret hash field name the store uses; none may appear in any answer. */
export function assertNoSecrets(res: ApiResponse): void {
  assert.doesNotMatch(res.text, /passwordHash|secretHash|password_hash|secret_hash|\$argon2/i, `answer leaks a hash: ${res.text.slice(0, 300)}`);
}

export interface TwoProjects {
  /** Owner of alpha. */
  ownerA: Caller;
  /** Developer in alpha. */
  devA: Caller;
  /** Owner of beta. */
  ownerB: Caller;
  /** A user with no grant anywhere. */
  outsider: Caller;
}

/** Projects alpha and beta (private, plus public `pub`) with an owner each, a developer in alpha and an outsider. */
export async function twoProjects(f: ApiFixture): Promise<TwoProjects> {
  const callers = { ownerA: await f.user('owner-a'), devA: await f.user('dev-a'), ownerB: await f.user('owner-b'), outsider: await f.user('outsider') };
  await f.project('alpha');
  await f.project('beta');
  await f.project('pub', { isPublic: true });
  await f.grant('alpha', 'owner-a', 'owner');
  await f.grant('alpha', 'dev-a', 'developer');
  await f.grant('beta', 'owner-b', 'owner');
  return callers;
}
