import { CliError } from './cli-error.ts';
import type { CliContext } from './cli-context.ts';
import type { Credentials } from './credentials.store.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type { RegistryTarget } from './registry-client.ts';
import { networkError } from './registry-error.ts';

/** The management API's base path on a Berth server. */
export const API_BASE = '/api/v1';

/** The most of an error body read to describe it; problem bodies are small JSON. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** A body sent as is (an upload), streamed when it is a stream. */
export interface RawBody {
  contentType: string;
  body: ReadableStream<Uint8Array> | Uint8Array | string;
}

/** One page of a list endpoint. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413) return EXIT.CONFIG;
  if (status === 401 || status === 403) return EXIT.DENIED;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 502 || status === 503 || status === 504) return EXIT.UNAVAILABLE;
  return EXIT.FAILURE;
}

/** `detail (CODE)` from an RFC 9457 problem body `{ title, detail, code, context }`, or undefined. */
export function problemMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { detail?: unknown; title?: unknown; code?: unknown; context?: { problems?: unknown } };
    const detail = typeof body.detail === 'string' && body.detail !== '' ? body.detail : typeof body.title === 'string' ? body.title : undefined;
    if (detail === undefined) return undefined;
    const problems = Array.isArray(body.context?.problems) ? (body.context.problems as Array<{ field?: unknown; message?: unknown }>) : [];
    const more = problems.slice(1).map((p) => `${String(p.field)}: ${String(p.message)}`);
    const code = typeof body.code === 'string' ? ` (${body.code})` : '';
    return [detail, ...more].join('; ') + code;
  } catch {
    return undefined;
  }
}

function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * A client for Berth's /api/v1 over fetch, with Basic credentials (a user's password or a robot's secret). A
 * failed answer becomes a CliError `<what>: <detail> (<CODE>)`, exit code by status: 400 bad usage, 401/403
 * denied, 404 not found, 502/503/504 unavailable, anything else a failure. Never puts credentials in a message.
 */
export class ApiClient {
  constructor(
    readonly target: RegistryTarget,
    private readonly credentials: Credentials | undefined,
  ) {}

  /** The client for the configured server with its credentials ($BERTH_USER/$BERTH_PASSWORD or the saved login). */
  static async forContext(ctx: CliContext): Promise<ApiClient> {
    const target = ctx.requireServer();
    return new ApiClient(target, await ctx.credentials(target.host));
  }

  /** Who the client signs in as, if anyone. */
  get username(): string | undefined {
    return this.credentials?.username;
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(`${API_BASE}${path}`, `${this.target.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  /**
   * Sends one request and returns the successful response unread. Throws CliError for a failed status (the
   * body is consumed for its message) and for a server that cannot be reached.
   */
  async send(method: string, path: string, what: string, opts: { query?: Query; body?: unknown; raw?: RawBody } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials) headers.authorization = basicAuthorization(this.credentials);
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.raw !== undefined) headers['content-type'] = opts.raw.contentType;
    const body = opts.raw !== undefined ? { body: opts.raw.body, duplex: 'half' } : opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {};
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), { method, headers, ...body } as RequestInit);
    } catch (err) {
      throw networkError(err, this.target.host);
    }
    if (!res.ok) throw await this.failure(res, what);
    return res;
  }

  /** A JSON answer (undefined for 204). */
  async request<T>(method: string, path: string, what: string, opts: { query?: Query; body?: unknown; raw?: RawBody } = {}): Promise<T> {
    const res = await this.send(method, path, what, opts);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new CliError(`${what}: the server answered ${res.status} without valid JSON`, EXIT.FAILURE);
    }
  }

  /** Every item of a list endpoint, following `next` cursors; at most `max` items when given. */
  async *list<T>(path: string, what: string, opts: { query?: Query; max?: number; pageSize?: number } = {}): AsyncIterable<T> {
    const max = opts.max ?? Number.POSITIVE_INFINITY;
    let cursor: string | undefined;
    let count = 0;
    for (;;) {
      const limit = Math.min(opts.pageSize ?? 500, max - count);
      const page = await this.request<Page<T>>('GET', path, what, { query: { ...opts.query, limit, cursor } });
      if (!Array.isArray(page?.items)) throw new CliError(`${what}: the server answered without a list`, EXIT.FAILURE);
      for (const item of page.items) {
        yield item;
        if (++count >= max) return;
      }
      if (typeof page.next !== 'string' || page.next === '' || page.next === cursor) return;
      cursor = page.next;
    }
  }

  /** All items of a list endpoint, as an array. */
  async all<T>(path: string, what: string, opts: { query?: Query; max?: number; pageSize?: number } = {}): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this.list<T>(path, what, opts)) items.push(item);
    return items;
  }

  private async failure(res: Response, what: string): Promise<CliError> {
    let text = '';
    try {
      text = (await res.text()).slice(0, MAX_ERROR_BODY_BYTES);
    } catch {
      // The status alone still says what happened.
    }
    const plain = text.trim().split('\n')[0]!.slice(0, 200);
    const reason = problemMessage(text) ?? (plain && !plain.startsWith('<') ? plain : res.statusText || 'request failed');
    const hint =
      res.status !== 401 ? ''
      : this.credentials ? ` (the credentials of ${this.credentials.username} for ${this.target.host} were refused)`
      : ` (log in with "berth login" or set BERTH_USER/BERTH_PASSWORD)`;
    return new CliError(`${what}: ${reason} (HTTP ${res.status})${hint}`, exitCodeForStatus(res.status));
  }
}
