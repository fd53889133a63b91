import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** Bytes as a fetch body (TypeScript's BodyInit wants an ArrayBuffer-backed view, which a Buffer may not be). */
export function body(bytes: Uint8Array | string): BodyInit {
  return typeof bytes === 'string' ? bytes : new Uint8Array(bytes);
}

/** Minimal registry client helpers for HTTP-level tests: real HTTP via fetch, no magic. */
export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Pushes `bytes` as a blob with POST + PUT; returns its digest. Throws on any unexpected status. */
export async function pushBlob(base: string, repo: string, bytes: Uint8Array | string): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location')!, base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: body(bytes), headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`PUT blob: ${put.status} ${await put.text()}`);
  return digest;
}

export interface PushedImage {
  manifest: string;
  digest: string;
  config: string;
  layers: string[];
}

/** Pushes a small OCI image (config + layers of the given contents) and tags it. */
export async function pushImage(base: string, repo: string, tag: string, layerContents: string[] = ['layer-' + tag], extra: Record<string, unknown> = {}): Promise<PushedImage> {
  const configBytes = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag });
  const config = await pushBlob(base, repo, configBytes);
  const layers: string[] = [];
  for (const content of layerContents) layers.push(await pushBlob(base, repo, content));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: Buffer.byteLength(configBytes) },
    layers: layers.map((digest, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: Buffer.byteLength(layerContents[i]!) })),
    ...extra,
  });
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  if (res.status !== 201) throw new Error(`PUT manifest: ${res.status} ${await res.text()}`);
  return { manifest, digest: sha256(manifest), config, layers };
}

export function sha512(bytes: Uint8Array | string): string {
  return `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export interface OciErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

/**
 * Asserts `res` is an OCI error response: `status`, a JSON content type and the envelope
 * `{"errors":[{code,message,...}]}` whose first code is `code`. Returns the first entry.
 */
export async function expectOciError(res: Response, status: number, code: string): Promise<OciErrorEntry> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as { errors: OciErrorEntry[] };
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `no errors array in ${text.slice(0, 300)}`);
  assert.equal(body.errors[0]!.code, code, text.slice(0, 300));
  assert.equal(typeof body.errors[0]!.message, 'string');
  return body.errors[0]!;
}

/** POST /v2/<repo>/blobs/uploads/ and returns the absolute session URL. Throws unless 202. */
export async function startUpload(base: string, repo: string): Promise<URL> {
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (res.status !== 202) throw new Error(`POST upload: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get('location')!, base);
}

/** `url` with `params` set in its query (upload locations may carry their own query). */
export function withQuery(url: URL | string, params: Record<string, string>): URL {
  const out = new URL(url);
  for (const [k, v] of Object.entries(params)) out.searchParams.set(k, v);
  return out;
}

/** PUTs manifest bytes as they are under `ref` with `contentType`; returns the raw response. */
export function putManifest(base: string, repo: string, ref: string, bytes: string | Buffer, contentType: string): Promise<Response> {
  return fetch(`${base}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: body(bytes), headers: { 'content-type': contentType } });
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  [key: string]: unknown;
}

/** Pushes `bytes` as a blob and returns its descriptor. */
export async function pushDescriptor(base: string, repo: string, bytes: string, mediaType: string): Promise<Descriptor> {
  return { mediaType, digest: await pushBlob(base, repo, bytes), size: Buffer.byteLength(bytes) };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request through node:http, for what fetch cannot express: a HEAD's own Content-Length, paths fetch
 * would normalise (`..`), or a body sent exactly as given. The path is sent byte for byte.
 */
export function rawRequest(base: string, opts: { method: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string }): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: opts.method, path: opts.path, headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Writes `request` verbatim on a fresh TCP connection and returns everything the server sends back until it
 * closes the connection (or `idleMs` passes without data, for a server that keeps it open).
 */
export function rawExchange(base: string, request: string | Buffer, idleMs = 5_000): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(idleMs, () => socket.end());
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' && chunks.length > 0 ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err)));
    socket.write(request);
  });
}
