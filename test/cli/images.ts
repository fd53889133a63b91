import { pushBlob, pushImage, sha256, type PushedImage } from '../helpers/oci-client.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface PushedIndex {
  manifest: string;
  digest: string;
  images: PushedImage[];
}

async function putManifest(base: string, repo: string, ref: string, bytes: string, mediaType: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } });
  if (res.status !== 201) throw new Error(`PUT manifest ${repo}:${ref}: ${res.status} ${await res.text()}`);
}

/** Pushes a two-platform OCI index (linux/amd64, linux/arm64/v8) over HTTP, tagged `tag`. */
export async function pushIndex(base: string, repo: string, tag: string, layerBytes = 64): Promise<PushedIndex> {
  const platforms = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
  ];
  const images: PushedImage[] = [];
  for (const p of platforms) {
    images.push(await pushImage(base, repo, `${tag}-${p.architecture}`, [`${p.architecture}-`.padEnd(layerBytes, 'x'), `shared-${tag}`]));
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((img, i) => ({ mediaType: OCI_MANIFEST, digest: img.digest, size: Buffer.byteLength(img.manifest), platform: platforms[i] })),
  });
  await putManifest(base, repo, tag, manifest, OCI_INDEX);
  return { manifest, digest: sha256(manifest), images };
}

/** Pushes an artifact of `artifactType` whose subject is `subject` (pushed by digest, untagged); returns its digest. */
export async function pushReferrer(base: string, repo: string, subject: { digest: string; manifest: string }, artifactType: string): Promise<string> {
  const config = await pushBlob(base, repo, '{}');
  const payload = `payload of ${artifactType}`;
  const layer = await pushBlob(base, repo, payload);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config, size: 2 },
    layers: [{ mediaType: 'application/octet-stream', digest: layer, size: Buffer.byteLength(payload) }],
    subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: Buffer.byteLength(subject.manifest) },
  });
  const digest = sha256(manifest);
  await putManifest(base, repo, digest, manifest, OCI_MANIFEST);
  return digest;
}
