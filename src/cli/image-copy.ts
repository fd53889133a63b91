import { referrersFallbackTag, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { requiredBlobs, summarizeManifest } from './manifest-summary.ts';
import type { Progress } from './progress.ts';
import type { RegistryClient } from './registry-client.ts';
import { listReferrer } from '../sign/signature-store.ts';

/** cosign's classic tags beside an image: signatures, attestations, SBOMs. */
const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;
/** Referrers of referrers (a signature on an SBOM) are followed this deep. */
const MAX_REFERRER_DEPTH = 3;

/** One side of a copy: a registry and a repository on it. */
export interface CopyEndpoint {
  client: RegistryClient;
  repo: string;
}

export interface CopyReport {
  digest: Digest;
  mediaType: string;
  /** Manifests pushed: the top one plus, for an index, each child (counted once). */
  manifests: number;
  blobs: { copied: number; mounted: number; skipped: number };
  bytesCopied: number;
  /** What came along so the copy keeps its trust: OCI 1.1 referrers and cosign `sha256-<hex>.sig|.att|.sbom` tags. */
  trust: { referrers: number; tags: number };
}

/**
 * Copies an image or an index (with every child manifest) from one repository to another, on the same registry
 * or across registries. Blobs stream from source to destination without being held in memory; a blob the
 * destination has is skipped (HEAD), and on the same registry a cross-repository mount is tried before any
 * byte moves. Manifests are pushed with their exact bytes, children before their index, so digests are kept.
 * Trust comes along: the referrers of the image and of every child (signatures, attestations, SBOMs, found
 * through the referrers API or its tag-schema fallback, and their own referrers) and cosign's classic
 * `sha256-<hex>.sig|.att|.sbom` tags, each pushed by digest with its blobs; on a destination without the
 * referrers API each referrer is added to the fallback index there. One copier per copy: it remembers what it
 * has already moved.
 */
export class ImageCopier {
  private readonly doneBlobs = new Set<string>();
  private readonly doneManifests = new Set<string>();
  private readonly report = { manifests: 0, blobs: { copied: 0, mounted: 0, skipped: 0 }, bytesCopied: 0, trust: { referrers: 0, tags: 0 } };
  /** Every image manifest and index copied, whose signatures and attestations follow them. */
  private readonly imageDigests: Digest[] = [];

  constructor(
    private readonly src: CopyEndpoint,
    private readonly dst: CopyEndpoint,
    private readonly progress: Progress,
  ) {}

  private get isSameRegistry(): boolean {
    return this.src.client.target.host === this.dst.client.target.host;
  }

  /** Copies `srcReference` (tag or digest) to `dstReference`; throws CliError on any failure. */
  async copy(srcReference: string, dstReference: string): Promise<CopyReport> {
    const { digest, mediaType } = await this.copyManifest(srcReference, dstReference);
    await this.copyTrust([...this.imageDigests], 0);
    return { digest, mediaType, ...this.report };
  }

  /** Copies the referrers and cosign tags of `subjects`, then theirs (to MAX_REFERRER_DEPTH). */
  private async copyTrust(subjects: Digest[], depth: number): Promise<void> {
    if (depth >= MAX_REFERRER_DEPTH || subjects.length === 0) return;
    const next: Digest[] = [];
    for (const subject of subjects) {
      for (const suffix of COSIGN_SUFFIXES) {
        const tag = `${referrersFallbackTag(subject)}.${suffix}`;
        if (!(await this.src.client.manifestDigest(this.src.repo, tag))) continue;
        const copied = await this.copyManifest(tag, tag, false);
        this.report.trust.tags++;
        next.push(copied.digest);
      }
      const { manifests } = await this.src.client.referrers(this.src.repo, subject);
      for (const referrer of manifests) {
        if (this.doneManifests.has(referrer.digest)) continue;
        await this.copyManifest(referrer.digest, undefined, false);
        await listReferrer(this.dst.client, this.dst.repo, subject, referrer);
        this.report.trust.referrers++;
        next.push(referrer.digest);
      }
    }
    await this.copyTrust(next, depth + 1);
  }

  private async copyManifest(srcReference: string, dstReference: string | undefined, isImage = true): Promise<{ digest: Digest; mediaType: string }> {
    const manifest = await this.src.client.getManifest(this.src.repo, srcReference);
    const what = `${this.src.repo}@${manifest.digest}`;
    const summary = summarizeManifest(manifest.bytes, manifest.mediaType, what);
    if (summary.kind === 'index') {
      for (const child of summary.manifests) {
        if (this.doneManifests.has(child.digest)) continue;
        const copied = await this.copyManifest(child.digest, undefined, isImage);
        if (copied.digest !== child.digest) throw new CliError(`${what}: child manifest ${child.digest} came back as ${copied.digest}`, EXIT.FAILURE);
      }
    } else {
      for (const blob of requiredBlobs(summary)) await this.copyBlob(blob);
    }
    const pushed = await this.dst.client.putManifest(this.dst.repo, dstReference ?? manifest.digest, manifest.bytes, manifest.mediaType);
    if (pushed !== manifest.digest) {
      throw new CliError(`${this.dst.repo}: the destination stored the manifest as ${pushed}, not ${manifest.digest}`, EXIT.FAILURE);
    }
    this.doneManifests.add(manifest.digest);
    if (isImage) this.imageDigests.push(manifest.digest);
    this.report.manifests++;
    this.progress.note(`manifest ${short(manifest.digest)}  pushed`);
    return { digest: manifest.digest, mediaType: manifest.mediaType };
  }

  private async copyBlob(blob: Descriptor): Promise<void> {
    if (this.doneBlobs.has(blob.digest)) return;
    const { src, dst } = this;
    const label = `blob ${short(blob.digest)}`;
    if (await dst.client.hasBlob(dst.repo, blob.digest)) {
      this.finish(blob, 'skipped', `${label}  already present`);
      return;
    }
    let location: string | undefined;
    if (this.isSameRegistry && src.repo !== dst.repo) {
      location = await dst.client.mountBlob(dst.repo, blob.digest, src.repo);
      if (location === undefined) {
        this.finish(blob, 'mounted', `${label}  mounted from ${src.repo}`);
        return;
      }
    }
    const source = await src.client.openBlob(src.repo, blob.digest);
    if (source.sizeBytes !== undefined && source.sizeBytes !== blob.size) {
      await source.body.cancel();
      throw new CliError(`blob ${blob.digest}: the source serves ${source.sizeBytes} bytes, the manifest says ${blob.size}`, EXIT.FAILURE);
    }
    try {
      location ??= await dst.client.startUpload(dst.repo);
      await dst.client.uploadBlob(dst.repo, location, blob.digest, this.progress.track(source.body, label, blob.size), blob.size);
    } catch (err) {
      await source.body.cancel().catch(() => {});
      throw err;
    }
    this.report.bytesCopied += blob.size;
    this.finish(blob, 'copied');
  }

  private finish(blob: Descriptor, outcome: 'copied' | 'mounted' | 'skipped', note?: string): void {
    this.doneBlobs.add(blob.digest);
    this.report.blobs[outcome]++;
    if (note) this.progress.note(note);
  }
}

function short(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}
