import { BerthError } from '../errors/berth-error.ts';
import { digestHex, digestOf, referrersFallbackTag, type Digest } from '../oci/digest.ts';
import { parseDescriptor, parseManifest, type Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { isTag, type RepoName, type Tag } from '../oci/names.ts';
import type { BlobRepo, ManifestRepo } from '../meta/meta-store.ts';
import type { TagChangeContext } from '../meta/tag-history.repo.ts';

/** cosign's tag-based attachments of an image: `sha256-<hex>.sig`, `.att`, `.sbom`. */
const COSIGN_SUFFIXES = ['.sig', '.att', '.sbom'] as const;
/** Referrers of referrers (a signature of an SBOM) are followed this deep. */
const MAX_REFERRER_DEPTH = 3;

export interface CopiedReferrer {
  digest: Digest;
  artifactType: string | null;
  /** The tag it travels under (fallback index, cosign attachment), or null for a subject referrer. */
  tag: string | null;
}

export interface CopyReport {
  /** Manifests newly linked into the target (the image, its children, referrers and their children). */
  manifests: number;
  /** Blob links created in the target: rows only, the bytes are never written again. */
  blobsLinked: number;
  referrers: CopiedReferrer[];
  /** Attachment tags the target already had at other content: the target's is kept. */
  conflicts: Array<{ tag: string; kept: Digest; skipped: Digest }>;
}

/**
 * Copies an image and everything that travels with it from one repository to another inside one store, by
 * digest: manifests are linked (their bytes are stored once per digest already), blobs are linked, nothing is
 * uploaded. With `isDryRun` it walks and counts but writes nothing. Not atomic as a whole: each manifest is
 * linked in its own transaction, children before parents, so an interrupted copy leaves only complete,
 * untagged manifests behind (which GC may collect) and is finished by running it again (idempotent).
 */
export class PromotionCopier {
  private readonly done = new Set<string>();
  readonly report: CopyReport = { manifests: 0, blobsLinked: 0, referrers: [], conflicts: [] };

  constructor(
    private readonly store: { manifests: Pick<ManifestRepo, 'get' | 'put' | 'referrers'>; blobs: Pick<BlobRepo, 'findLinked' | 'linkExisting'> },
    private readonly from: RepoName,
    private readonly to: RepoName,
    private readonly change: TagChangeContext,
    private readonly isDryRun: boolean,
  ) {}

  /** The image and its children (recursively); returns the child digests. */
  async image(digest: Digest): Promise<Digest[]> {
    const children: Digest[] = [];
    await this.manifest(digest, children);
    return children;
  }

  /** The referrers of `subjects` (subject field, fallback index, cosign tags), and theirs, up to a few levels. */
  async referrersOf(subjects: readonly Digest[], depth = 0): Promise<void> {
    if (depth >= MAX_REFERRER_DEPTH) return;
    const next: Digest[] = [];
    for (const subject of subjects) {
      for (const r of await this.store.manifests.referrers(this.from, subject)) {
        if (this.done.has(r.digest)) continue;
        await this.manifest(r.digest, []);
        this.report.referrers.push({ digest: r.digest, artifactType: r.artifactType ?? null, tag: null });
        next.push(r.digest);
      }
      const fallback = referrersFallbackTag(subject);
      if (isTag(fallback)) next.push(...(await this.fallbackIndex(fallback)));
      for (const suffix of COSIGN_SUFFIXES) {
        const tag = `sha256-${digestHex(subject)}${suffix}`;
        if (isTag(tag)) await this.tagged(tag, undefined);
      }
    }
    if (next.length > 0) await this.referrersOf(next, depth + 1);
  }

  /** Links one manifest (children and blobs first); collects the digests of children into `children`. */
  private async manifest(digest: Digest, children: Digest[]): Promise<void> {
    if (this.done.has(digest)) return;
    this.done.add(digest);
    const stored = await this.store.manifests.get(this.from, { kind: 'digest', digest });
    if (!stored) throw new BerthError('MANIFEST_UNKNOWN', { message: `${this.from} lists ${digest} but does not hold it`, detail: { digest } });
    const parsed = parseManifest(stored.content, stored.mediaType);
    for (const child of parsed.manifests) {
      children.push(child.digest);
      await this.manifest(child.digest, children);
    }
    for (const blob of parsed.blobs) {
      if (await this.store.blobs.findLinked(this.to, blob)) continue;
      const linked = await this.store.blobs.findLinked(this.from, blob);
      if (!linked) throw new BerthError('BLOB_UNKNOWN', { message: `${this.from}@${digest} needs blob ${blob}, which it does not hold`, detail: { digest: blob } });
      // linkExisting, not link: a blob garbage collection removed meanwhile must not come back as a row without bytes.
      if (!this.isDryRun && !(await this.store.blobs.linkExisting(this.to, blob))) {
        throw new BerthError('BLOB_UNKNOWN', { message: `${this.from}@${digest} needs blob ${blob}, which garbage collection just removed`, detail: { digest: blob } });
      }
      this.report.blobsLinked++;
    }
    if (await this.store.manifests.get(this.to, { kind: 'digest', digest })) return;
    if (!this.isDryRun) {
      await this.store.manifests.put({
        repo: this.to, digest, mediaType: parsed.mediaType, content: stored.content, blobs: parsed.blobs, manifests: parsed.manifests.map((d) => d.digest),
        ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
        ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
        ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
      });
    }
    this.report.manifests++;
  }

  /** Copies the manifest `tag` names in the source and tags it in the target, unless the target's differs. */
  private async tagged(tag: Tag, merge: ((kept: Buffer, ours: Buffer) => Buffer) | undefined): Promise<Digest | undefined> {
    const source = await this.store.manifests.get(this.from, { kind: 'tag', tag });
    if (!source) return undefined;
    await this.manifest(source.digest, []);
    const existing = await this.store.manifests.get(this.to, { kind: 'tag', tag });
    let content = source.content;
    if (existing && existing.digest !== source.digest) {
      if (!merge) {
        this.report.conflicts.push({ tag, kept: existing.digest, skipped: source.digest });
        return source.digest;
      }
      content = merge(existing.content, source.content);
    }
    this.report.referrers.push({ digest: source.digest, artifactType: null, tag });
    if (existing?.digest === source.digest || this.isDryRun) return source.digest;
    const parsed = parseManifest(content, source.mediaType);
    await this.store.manifests.put({
      repo: this.to, digest: digestOf(content), mediaType: parsed.mediaType, content, blobs: parsed.blobs, manifests: parsed.manifests.map((d) => d.digest),
      tag, change: this.change,
    });
    return source.digest;
  }

  /** The tag-schema fallback index: copied, merged with the target's own entries; returns its entries. */
  private async fallbackIndex(tag: string): Promise<Digest[]> {
    const index = await this.tagged(tag as Tag, mergeIndexes);
    if (!index) return [];
    const stored = await this.store.manifests.get(this.from, { kind: 'digest', digest: index });
    return stored ? entries(stored.content).map((d) => d.digest) : [];
  }
}

function entries(content: Buffer): Descriptor[] {
  try {
    const list = (JSON.parse(content.toString('utf8')) as { manifests?: unknown[] }).manifests ?? [];
    return list.flatMap((d, i) => {
      try {
        return [parseDescriptor(d, `manifests[${i}]`)];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The target's fallback index with the source's entries it lacks appended (as a client updating it would). */
function mergeIndexes(kept: Buffer, ours: Buffer): Buffer {
  const have = entries(kept);
  const seen = new Set(have.map((d) => d.digest));
  const added = entries(ours).filter((d) => !seen.has(d.digest));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...have, ...added] }));
}
