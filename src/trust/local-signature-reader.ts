import { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { isTag, parseRepoName, type Reference, type Tag } from '../oci/names.ts';
import type { BlobService } from '../registry/blob.service.ts';
import type { ManifestService } from '../registry/manifest.service.ts';
import type { SignatureReader } from '../sign/signature-store.ts';
import { isDigest } from '../oci/digest.ts';
import { BerthError, isBerthError } from '../errors/berth-error.ts';

/** Every manifest type: the reader wants the stored bytes, never a negotiated child. */
const ANY = ['*/*'];

function referenceOf(raw: string): Reference {
  if (isDigest(raw)) return { kind: 'digest', digest: raw };
  if (isTag(raw)) return { kind: 'tag', tag: raw as Tag };
  throw new BerthError('MANIFEST_UNKNOWN', { detail: { tag: raw.slice(0, 200) } });
}

/**
 * Finding signatures inside the server: the same reads `berth verify` makes over HTTP (signature-store.ts),
 * answered by the registry services directly, with no access check (the caller already decided who may know).
 */
export function localSignatureReader(deps: { manifests: Pick<ManifestService, 'get' | 'referrers'>; blobs: Pick<BlobService, 'stat' | 'open'> }): SignatureReader {
  return {
    async getManifest(repo, reference) {
      const m = await deps.manifests.get(parseRepoName(repo), referenceOf(reference), ANY);
      return { bytes: m.content, mediaType: m.mediaType, digest: m.digest };
    },
    async manifestDigest(repo, reference) {
      try {
        return (await deps.manifests.get(parseRepoName(repo), referenceOf(reference), ANY)).digest;
      } catch (err) {
        if (isBerthError(err, 'MANIFEST_UNKNOWN')) return undefined;
        throw err;
      }
    },
    async openBlob(repo, digest: Digest) {
      const sizeBytes = await deps.blobs.stat(parseRepoName(repo), digest);
      const stream = await deps.blobs.open(digest);
      return { body: Readable.toWeb(stream) as ReadableStream<Uint8Array>, sizeBytes };
    },
    async referrers(repo, subject) {
      const { index } = await deps.manifests.referrers(parseRepoName(repo), subject);
      return { manifests: index.manifests as Descriptor[], isFallback: false };
    },
  };
}
