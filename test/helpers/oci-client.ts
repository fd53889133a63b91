import { createHash } from 'node:crypto';

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
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
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
