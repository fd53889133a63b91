import assert from 'node:assert/strict';
import { blobFilesFor } from './fs-probe.ts';

/** Opens an upload session; returns its Location (path-absolute) and id. */
export async function startUpload(base: string, repo: string): Promise<{ location: string; id: string }> {
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(res.status, 202, `POST upload: ${await res.text()}`);
  const location = res.headers.get('location');
  const id = res.headers.get('docker-upload-uuid');
  assert.ok(location && id, 'upload session without Location or Docker-Upload-UUID');
  return { location, id };
}

/** `location` with `?digest=` set (keeping any query the server put there). */
export function withDigest(location: string, digest: string): string {
  const url = new URL(location, 'http://placeholder');
  url.searchParams.set('digest', digest);
  return `${url.pathname}${url.search}`;
}

/**
 * Completes the upload at `location` with digest `digest`, sending `bytes` from offset `from` on as the final
 * chunk (nothing when `from` is the end); asserts 201 and the digest header.
 */
export async function finishUpload(base: string, location: string, digest: string, bytes: Buffer<ArrayBuffer>, from = bytes.length): Promise<void> {
  const rest = bytes.subarray(from);
  const put = await fetch(new URL(withDigest(location, digest), base), {
    method: 'PUT',
    ...(rest.length > 0 ? { body: rest, headers: { 'content-type': 'application/octet-stream', 'content-range': `${from}-${bytes.length - 1}` } } : {}),
  });
  assert.equal(put.status, 201, `completing the upload: ${await put.text()}`);
  assert.equal(put.headers.get('docker-content-digest'), digest);
}

/** The blob is invisible to clients (HEAD and GET 404 BLOB_UNKNOWN) and has no file under `<storageRoot>/blobs`. */
export async function assertBlobAbsent(base: string, repo: string, digest: string, storageRoot: string): Promise<void> {
  const head = await fetch(`${base}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  assert.equal(head.status, 404, `HEAD ${digest} should be 404`);
  const get = await fetch(`${base}/v2/${repo}/blobs/${digest}`);
  assert.equal(get.status, 404);
  const body = (await get.json()) as { errors: { code: string }[] };
  assert.equal(body.errors[0]?.code, 'BLOB_UNKNOWN');
  assert.deepEqual(await blobFilesFor(storageRoot, digest), [], `a file for ${digest} was left under ${storageRoot}/blobs`);
}

/** GET returns exactly `bytes` with the right digest header, and one file holds it on disk. */
export async function assertBlobServed(base: string, repo: string, digest: string, bytes: Uint8Array, storageRoot: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200, `GET ${digest}`);
  assert.equal(res.headers.get('docker-content-digest'), digest);
  const served = Buffer.from(await res.arrayBuffer());
  assert.equal(served.length, bytes.length, 'served blob length');
  assert.ok(served.equals(bytes), 'served blob bytes differ from the pushed ones');
  assert.equal((await blobFilesFor(storageRoot, digest)).length, 1, `expected exactly one file for ${digest}`);
}

/** GET /v2/ still answers 200: the server is alive and serving. */
export async function assertServing(base: string): Promise<void> {
  const res = await fetch(`${base}/v2/`);
  assert.equal(res.status, 200, 'GET /v2/ after the bad request');
  await res.arrayBuffer();
}
