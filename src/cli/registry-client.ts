import { digestAlgorithm, digestOf, isDigest, referrersFallbackTag, type Digest } from '../oci/digest.ts';
import { parseDescriptor, type Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { parseAuthChallenges } from './auth-challenge.ts';
import { CliError } from './cli-error.ts';
import type { Credentials } from './credentials.store.ts';
import { EXIT } from './exit-codes.ts';
import { networkError, responseError } from './registry-error.ts';

/** A registry as the CLI reaches it: `host[:port]` (its identity, the credentials key) and the base URL. */
export interface RegistryTarget {
  host: string;
  baseUrl: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}

type Body = string | Uint8Array | ReadableStream<Uint8Array>;

interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Body;
}

export const MANIFEST_ACCEPT = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList].join(', ');

/** The descriptors of an index body, skipping malformed entries (a listing is informational). */
function parseIndexManifests(body: unknown): Descriptor[] {
  const list = (body as { manifests?: unknown })?.manifests;
  if (!Array.isArray(list)) return [];
  return list.flatMap((d, i) => {
    try {
      return [parseDescriptor(d, `manifests[${i}]`)];
    } catch {
      return [];
    }
  });
}

/** The repository a /v2 path acts on, which is what a bearer token is scoped to. */
function scopeKey(pathname: string): string {
  if (pathname.startsWith('/v2/_catalog')) return 'registry:catalog:*';
  const m = /^\/v2\/(.+?)\/(?:manifests|blobs|tags|referrers)\//.exec(pathname);
  return m ? `repository:${m[1]}` : '';
}

function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * A Docker Registry v2 / OCI Distribution client over fetch. Authentication: Basic credentials are sent as they
 * are; on a 401 with a `Bearer realm=...` challenge it fetches a token from the realm (with the credentials, or
 * anonymously) and retries once, caching the token per repository. Failed responses become CliErrors with the
 * registry's own error code and message. Safe to share across concurrent requests.
 */
export class RegistryClient {
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly target: RegistryTarget,
    private readonly credentials: Credentials | undefined,
  ) {}

  /** Resolves a path or a Location header against the registry's base URL. */
  url(pathOrUrl: string): URL {
    return new URL(pathOrUrl, `${this.target.baseUrl}/`);
  }

  private async fetchOnce(url: URL, opts: SendOptions, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers, ...(authorization ? { authorization } : {}) };
    const init = { method: opts.method ?? 'GET', headers, ...(opts.body !== undefined ? { body: opts.body, duplex: 'half' } : {}) };
    try {
      return await fetch(url, init as RequestInit);
    } catch (err) {
      throw networkError(err, this.target.host);
    }
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const realm = new URL(params.realm!, `${this.target.baseUrl}/`);
    if (params.service) realm.searchParams.set('service', params.service);
    for (const scope of (params.scope ?? '').split(' ').filter(Boolean)) realm.searchParams.append('scope', scope);
    let res: Response;
    try {
      res = await fetch(realm, { headers: this.credentials ? { authorization: basic(this.credentials) } : {} });
    } catch (err) {
      throw networkError(err, realm.host);
    }
    if (!res.ok) throw await responseError(res, `token request to ${realm.origin}${realm.pathname}`, this.loginHint());
    const body = (await res.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw new CliError(`token service ${realm.origin} answered without a token`, EXIT.FAILURE);
    return token;
  }

  loginHint(): string {
    return this.credentials ? `the credentials for ${this.target.host} were refused` : `log in with "berth login ${this.target.host}" or set BERTH_USER/BERTH_PASSWORD`;
  }

  /**
   * Sends one request, going through the token flow on a 401 that asks for a bearer token. Returns the response
   * whatever its status. A streamed body cannot be sent twice: callers make a bodiless request to the same
   * repository first so the token is in hand.
   */
  async send(pathOrUrl: string, opts: SendOptions = {}): Promise<Response> {
    const url = this.url(pathOrUrl);
    const key = scopeKey(url.pathname);
    const cached = this.tokens.get(key);
    const res = await this.fetchOnce(url, opts, cached ? `Bearer ${cached}` : this.credentials ? basic(this.credentials) : undefined);
    if (res.status !== 401) return res;
    const bearer = parseAuthChallenges(res.headers.get('www-authenticate') ?? '').find((c) => c.scheme === 'bearer' && c.params.realm);
    if (!bearer || opts.body instanceof ReadableStream) return res;
    await res.body?.cancel();
    const token = await this.fetchToken(bearer.params);
    this.tokens.set(key, token);
    return this.fetchOnce(url, opts, `Bearer ${token}`);
  }

  /** Like send, but throws a CliError (described by `what`) unless the status is one of `ok`. */
  async expect(pathOrUrl: string, what: string, ok: number[], opts: SendOptions = {}): Promise<Response> {
    const res = await this.send(pathOrUrl, opts);
    if (!ok.includes(res.status)) throw await responseError(res, what, this.loginHint());
    return res;
  }

  /** GET /v2/: checks that the registry answers and accepts these credentials. */
  async ping(): Promise<void> {
    const res = await this.expect('/v2/', `${this.target.host}`, [200]);
    await res.body?.cancel();
  }

  /** GET a manifest by tag or digest, with its exact bytes. A digest reference is verified against the bytes. */
  async getManifest(repo: string, reference: string): Promise<FetchedManifest> {
    const what = `manifest ${repo}:${reference}`;
    const res = await this.expect(`/v2/${repo}/manifests/${reference}`, what, [200], { headers: { accept: MANIFEST_ACCEPT } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const declared = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    let mediaType = declared;
    if (!mediaType || mediaType === 'application/json') {
      const field = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
      mediaType = typeof field === 'string' ? field : MediaType.OciManifest;
    }
    const digest = digestOf(bytes, isDigest(reference) ? digestAlgorithm(reference) : 'sha256');
    if (isDigest(reference) && digest !== reference) throw new CliError(`${what}: the registry sent bytes whose digest is ${digest}`, EXIT.FAILURE);
    return { bytes, mediaType, digest };
  }

  /** The digest a tag or digest resolves to, or undefined when there is no such manifest. */
  async manifestDigest(repo: string, reference: string): Promise<Digest | undefined> {
    const res = await this.send(`/v2/${repo}/manifests/${reference}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await responseError(res, `manifest ${repo}:${reference}`, this.loginHint());
    const header = res.headers.get('docker-content-digest');
    if (header && isDigest(header)) return header;
    return (await this.getManifest(repo, reference)).digest;
  }

  /** PUT manifest bytes exactly as given; returns the digest the registry reports (or computes). */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    const res = await this.expect(`/v2/${repo}/manifests/${reference}`, `push manifest ${repo}:${reference}`, [200, 201], {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    await res.body?.cancel();
    const header = res.headers.get('docker-content-digest');
    return header && isDigest(header) ? header : digestOf(bytes);
  }

  async deleteManifest(repo: string, reference: string): Promise<void> {
    const res = await this.expect(`/v2/${repo}/manifests/${reference}`, `delete ${repo}:${reference}`, [200, 202, 204], { method: 'DELETE' });
    await res.body?.cancel();
  }

  async hasBlob(repo: string, digest: Digest): Promise<boolean> {
    const res = await this.send(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    if (res.status === 404) return false;
    if (res.status !== 200) throw await responseError(res, `blob ${repo}@${digest}`, this.loginHint());
    return true;
  }

  /** GET a blob as a stream; the caller must consume or cancel it. */
  async openBlob(repo: string, digest: Digest): Promise<{ body: ReadableStream<Uint8Array>; sizeBytes: number | undefined }> {
    const res = await this.expect(`/v2/${repo}/blobs/${digest}`, `blob ${repo}@${digest}`, [200]);
    const length = res.headers.get('content-length');
    return { body: res.body ?? new Blob([]).stream(), sizeBytes: length === null ? undefined : Number(length) };
  }

  /**
   * Asks for a cross-repository mount of `digest` from `from`. Returns undefined when mounted, else the Location
   * of the upload session the registry opened instead (registries answer a refused mount with one).
   */
  async mountBlob(repo: string, digest: Digest, from: string): Promise<string | undefined> {
    const query = new URLSearchParams({ mount: digest, from });
    const res = await this.expect(`/v2/${repo}/blobs/uploads/?${query}`, `mount ${digest} into ${repo}`, [201, 202], { method: 'POST' });
    await res.body?.cancel();
    return res.status === 201 ? undefined : this.location(res, `mount ${digest} into ${repo}`);
  }

  /** Opens an upload session; returns its Location. */
  async startUpload(repo: string): Promise<string> {
    const res = await this.expect(`/v2/${repo}/blobs/uploads/`, `start upload to ${repo}`, [202], { method: 'POST' });
    await res.body?.cancel();
    return this.location(res, `start upload to ${repo}`);
  }

  /** Streams `body` into the session at `location` (one PATCH) and completes it with `digest` (PUT). */
  async uploadBlob(repo: string, location: string, digest: Digest, body: ReadableStream<Uint8Array>, sizeBytes: number): Promise<void> {
    const what = `upload ${digest} to ${repo}`;
    let next = location;
    if (sizeBytes > 0) {
      const patch = await this.expect(location, what, [202], {
        method: 'PATCH',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(sizeBytes) },
        body,
      });
      await patch.body?.cancel();
      next = this.location(patch, what);
    } else {
      await body.cancel();
    }
    const done = this.url(next);
    done.searchParams.set('digest', digest);
    const put = await this.expect(done.href, what, [201, 204], { method: 'PUT', headers: { 'content-length': '0' } });
    await put.body?.cancel();
  }

  private location(res: Response, what: string): string {
    const location = res.headers.get('location');
    if (!location) throw new CliError(`${what}: the registry answered ${res.status} without a Location`, EXIT.FAILURE);
    return this.url(location).href;
  }

  /**
   * The referrers of `subject` (OCI 1.1 referrers API). A registry without that API answers 404: then the
   * tag-schema fallback index (`<alg>-<hex>`) is read instead, and an absent one means no referrers. Filters
   * by `artifactType` itself when the registry did not.
   */
  async referrers(repo: string, subject: Digest, artifactType?: string): Promise<{ manifests: Descriptor[]; isFallback: boolean }> {
    const what = `referrers of ${repo}@${subject}`;
    const query = artifactType ? `?${new URLSearchParams({ artifactType })}` : '';
    const res = await this.send(`/v2/${repo}/referrers/${subject}${query}`, { headers: { accept: MediaType.OciIndex } });
    let manifests: Descriptor[];
    let isFallback = false;
    let isFiltered = false;
    if (res.status === 200) {
      isFiltered = (res.headers.get('oci-filters-applied') ?? '').split(',').map((s) => s.trim()).includes('artifactType');
      manifests = parseIndexManifests((await res.json()) as unknown);
    } else if (res.status === 404) {
      await res.body?.cancel();
      isFallback = true;
      const tag = referrersFallbackTag(subject);
      const fallback = await this.send(`/v2/${repo}/manifests/${tag}`, { headers: { accept: MediaType.OciIndex } });
      if (fallback.status === 404) {
        await fallback.body?.cancel();
        manifests = [];
      } else if (fallback.status === 200) {
        manifests = parseIndexManifests((await fallback.json()) as unknown);
      } else {
        throw await responseError(fallback, what, this.loginHint());
      }
    } else {
      throw await responseError(res, what, this.loginHint());
    }
    if (artifactType && !isFiltered) manifests = manifests.filter((d) => d.artifactType === artifactType);
    return { manifests, isFallback };
  }

  /** Every item of a paginated listing (catalog, tags), following `Link: <...>; rel="next"`. */
  async *listPaged(path: string, field: 'repositories' | 'tags', what: string): AsyncGenerator<string> {
    const seen = new Set<string>();
    let next: string | undefined = path;
    while (next !== undefined && !seen.has(next)) {
      seen.add(next);
      const res: Response = await this.expect(next, what, [200]);
      const body = (await res.json()) as Record<string, unknown>;
      const items = body[field];
      if (Array.isArray(items)) for (const item of items) if (typeof item === 'string') yield item;
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '');
      next = link ? this.url(link[1]!).href : undefined;
    }
  }
}
