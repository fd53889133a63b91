import { MediaType } from '../../src/oci/media-types.ts';

/** Plain HTTP looks at a registry, to check what a client left there independently of the client itself. */

export const ACCEPT_ANY_MANIFEST = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList].join(', ');

export interface FetchedManifest {
  status: number;
  digest: string | null;
  contentType: string | null;
  bytes: Buffer;
}

export async function fetchManifest(baseUrl: string, repo: string, reference: string, accept = ACCEPT_ANY_MANIFEST): Promise<FetchedManifest> {
  const res = await fetch(`${baseUrl}/v2/${repo}/manifests/${reference}`, { headers: { accept } });
  return {
    status: res.status,
    digest: res.headers.get('docker-content-digest'),
    contentType: res.headers.get('content-type'),
    bytes: Buffer.from(await res.arrayBuffer()),
  };
}

/** Status of HEAD /v2/<repo>/blobs/<digest>: 200 when the repository can serve the blob. */
export async function blobStatus(baseUrl: string, repo: string, digest: string): Promise<number> {
  const res = await fetch(`${baseUrl}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  await res.arrayBuffer();
  return res.status;
}
