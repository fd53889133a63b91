import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { artifactManifest } from '../../oci/artifact-manifest.ts';
import type { Digest } from '../../oci/digest.ts';
import type { RepoName } from '../../oci/names.ts';
import type { Inventory } from '../inventory/inventory.ts';

export const SBOM_ARTIFACT_TYPE = 'application/vnd.cyclonedx+json';
/** Marks referrers Berth's scanner made, so a re-scan does not attach a second SBOM. */
export const SBOM_GENERATOR_ANNOTATION = 'dev.berth.sbom.generator';

/** The registry paths an SBOM referrer is pushed through (UploadService, ManifestService), as a push would be. */
export interface ReferrerWriter {
  putBlob(repo: RepoName, digest: Digest, bytes: Buffer): Promise<void>;
  putManifest(repo: RepoName, digest: Digest, mediaType: string, bytes: Buffer): Promise<void>;
  referrers(repo: RepoName, subject: Digest, artifactType: string): Promise<Array<{ annotations?: Record<string, string> }>>;
}

export interface SbomSubjectManifest {
  repo: RepoName;
  digest: Digest;
  mediaType: string;
  sizeBytes: number;
}

/** A UUID fixed by the image digest, so the SBOM of one image is the same document wherever it is made. */
function uuidFor(digest: string): string {
  const h = createHash('sha256').update(`berth-sbom ${digest}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Attaches the CycloneDX SBOM of `inventory` to the image as an OCI 1.1 referrer (artifactType
 * application/vnd.cyclonedx+json, subject = the image), pushed through the registry's own services so it is
 * stored, listed and copied like any referrer. Does nothing when the scanner already attached one to this image
 * in this repository. Returns the SBOM manifest's digest, or undefined when one existed.
 */
export async function attachSbom(writer: ReferrerWriter, subject: SbomSubjectManifest, inventory: Inventory, scannedAt: number): Promise<Digest | undefined> {
  const existing = await writer.referrers(subject.repo, subject.digest, SBOM_ARTIFACT_TYPE);
  if (existing.some((r) => r.annotations?.[SBOM_GENERATOR_ANNOTATION] === 'berth')) return undefined;
  // The CycloneDX library is loaded with the first SBOM, not with every server.
  const { toCycloneDx } = await import('../sbom/cyclonedx.sbom.ts');
  const created = new Date(scannedAt);
  const bom = toCycloneDx(inventory, { name: subject.repo, digest: subject.digest }, { createdAt: created, uuid: uuidFor(subject.digest) });
  const sbom = Buffer.from(JSON.stringify(bom));
  const built = artifactManifest({
    artifactType: SBOM_ARTIFACT_TYPE,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.sizeBytes },
    content: sbom,
    annotations: { 'org.opencontainers.image.created': created.toISOString(), [SBOM_GENERATOR_ANNOTATION]: 'berth' },
  });
  for (const blob of built.blobs) await writer.putBlob(subject.repo, blob.digest, blob.bytes);
  await writer.putManifest(subject.repo, built.digest, built.mediaType, built.bytes);
  return built.digest;
}

/** A ReferrerWriter over the registry services. */
export function registryReferrerWriter(deps: {
  uploads: { putMonolithic(repo: RepoName, digest: Digest, chunk: { body: Readable; lengthBytes?: number }): Promise<number> };
  manifests: {
    put(repo: RepoName, ref: { kind: 'digest'; digest: Digest }, contentType: string, content: Buffer, actor: string): Promise<unknown>;
    referrers(repo: RepoName, subject: Digest, artifactType?: string): Promise<{ index: { manifests: Array<{ annotations?: Record<string, string> }> } }>;
  };
}): ReferrerWriter {
  return {
    async putBlob(repo, digest, bytes) {
      await deps.uploads.putMonolithic(repo, digest, { body: Readable.from([bytes]), lengthBytes: bytes.length });
    },
    async putManifest(repo, digest, mediaType, bytes) {
      await deps.manifests.put(repo, { kind: 'digest', digest }, mediaType, bytes, 'berth-scanner');
    },
    async referrers(repo, subject, artifactType) {
      return (await deps.manifests.referrers(repo, subject, artifactType)).index.manifests;
    },
  };
}
