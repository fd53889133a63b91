import { digestOf, type Digest } from './digest.ts';
import type { Descriptor } from './manifest.ts';
import { EMPTY_BLOB, MediaType } from './media-types.ts';

/** A blob to push with the manifest that names it. */
export interface BlobContent {
  digest: Digest;
  bytes: Buffer;
}

/** A manifest ready to push: its bytes, the blobs it needs, its descriptor. */
export interface BuiltManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  blobs: BlobContent[];
  /** The manifest's own annotations (what a referrers index entry repeats). */
  annotations?: Record<string, string>;
}

export function blobContent(bytes: Buffer): BlobContent {
  return { digest: digestOf(bytes), bytes };
}

/**
 * An OCI 1.1 artifact about `subject`, the shape signatures (cosign bundles), SBOMs and release notes share:
 * `artifactType`, the empty config, one layer holding `content` (of media type `layerMediaType`, default the
 * artifact type), `subject`, and the manifest's `annotations`. Pure; the same input gives the same bytes.
 */
export function artifactManifest(opts: {
  artifactType: string;
  subject: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;
  content: Buffer;
  layerMediaType?: string;
  layerAnnotations?: Record<string, string>;
  annotations: Record<string, string>;
}): BuiltManifest {
  const layer = blobContent(opts.content);
  const { subject, annotations } = opts;
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: opts.artifactType,
      config: { mediaType: MediaType.OciEmpty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.sizeBytes },
      layers: [
        {
          mediaType: opts.layerMediaType ?? opts.artifactType,
          digest: layer.digest,
          size: opts.content.length,
          ...(opts.layerAnnotations ? { annotations: opts.layerAnnotations } : {}),
        },
      ],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
  );
  return {
    bytes,
    digest: digestOf(bytes),
    mediaType: MediaType.OciManifest,
    blobs: [{ digest: EMPTY_BLOB.digest as Digest, bytes: Buffer.from(EMPTY_BLOB.content) }, layer],
    annotations,
  };
}
