import assert from 'node:assert/strict';
import type { GcReport } from '../../src/gc/gc.service.ts';
import { body, OCI_MANIFEST, sha256 } from './oci-client.ts';

/** POST /api/v1/gc on a Berth with authentication off; the report, or undefined on 409 (a run in progress). */
export async function runGc(base: string, dryRun: boolean, headers: Record<string, string> = {}): Promise<GcReport | undefined> {
  const res = await fetch(`${base}/api/v1/gc`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ dryRun }) });
  const text = await res.text();
  if (res.status === 409) return undefined;
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as GcReport;
}

export interface ImageSpec {
  tag: string;
  /** Layer contents; the config is made unique per tag. */
  layers: string[];
}

export interface PushedSpec {
  tag: string;
  digest: string;
  blobs: Array<{ digest: string; bytes: string }>;
}

/**
 * Pushes an image the way real clients do: HEAD each blob and upload only the missing ones, then PUT the
 * manifest. When garbage collection took a blob between the HEAD and the PUT, the registry answers
 * MANIFEST_BLOB_UNKNOWN: the client re-checks its blobs and tries again (up to `attempts`).
 */
export async function pushLikeAClient(base: string, repo: string, spec: ImageSpec, attempts = 8): Promise<{ pushed: PushedSpec; retries: number }> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag: spec.tag });
  const blobs = [config, ...spec.layers].map((bytes) => ({ digest: sha256(bytes), bytes }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blobs[0]!.digest, size: Buffer.byteLength(config) },
    layers: blobs.slice(1).map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: b.digest, size: Buffer.byteLength(b.bytes) })),
  });
  for (let attempt = 0; attempt < attempts; attempt++) {
    for (const blob of blobs) {
      const head = await fetch(`${base}/v2/${repo}/blobs/${blob.digest}`, { method: 'HEAD' });
      if (head.status === 200) continue;
      assert.equal(head.status, 404);
      const put = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', body: body(blob.bytes), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(put.status, 201, await put.text());
    }
    const res = await fetch(`${base}/v2/${repo}/manifests/${spec.tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': OCI_MANIFEST } });
    const text = await res.text();
    if (res.status === 201) return { pushed: { tag: spec.tag, digest: sha256(manifest), blobs }, retries: attempt };
    assert.equal(res.status, 400, text);
    assert.equal((JSON.parse(text) as { errors: Array<{ code: string }> }).errors[0]?.code, 'MANIFEST_BLOB_UNKNOWN', text);
  }
  throw new Error(`push of ${repo}:${spec.tag} kept failing with MANIFEST_BLOB_UNKNOWN`);
}

/** Pulls `image` by tag and every blob it names, checking each digest against the bytes received. */
export async function pullAndVerify(base: string, repo: string, image: PushedSpec): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${image.tag}`, { headers: { accept: OCI_MANIFEST } });
  const manifest = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `${repo}:${image.tag}`);
  assert.equal(sha256(manifest), image.digest, `${repo}:${image.tag} manifest digest`);
  for (const blob of image.blobs) {
    const b = await fetch(`${base}/v2/${repo}/blobs/${blob.digest}`);
    const bytes = Buffer.from(await b.arrayBuffer());
    assert.equal(b.status, 200, `${repo}:${image.tag} blob ${blob.digest}`);
    assert.equal(sha256(bytes), blob.digest, `${repo}:${image.tag} blob bytes`);
  }
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
