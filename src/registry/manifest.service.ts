import { Readable } from 'node:stream';
import { BerthError, isBerthError } from '../errors/berth-error.ts';
import { digestAlgorithm, digestOf, referrersFallbackTag, type Digest } from '../oci/digest.ts';
import { parseDescriptor, parseManifest, type Descriptor } from '../oci/manifest.ts';
import { EMPTY_BLOB, isIndexMediaType, MediaType } from '../oci/media-types.ts';
import { isTag, type Reference, type RepoName, type Tag } from '../oci/names.ts';
import type { BlobRepo, ManifestRepo, ReferrerDescriptor, StoredManifest, TagRepo } from '../meta/meta-store.ts';
import type { TagDetailRepo } from '../meta/tag-detail.repo.ts';
import type { TagChangeKind, TagGuard } from '../versions/tag-change.ts';
import { DEFAULT_PLATFORM, isAcceptable } from './manifest-negotiation.ts';
import type { UploadService } from './upload.service.ts';

export interface PutManifestResult {
  digest: Digest;
  subject?: Digest;
  /** Warn-mode tag rule findings for a push by tag (shown as `Warning` headers). */
  warnings?: string[];
  /** The digest the pushed tag pointed at before, when the push moved it (for the tag.move audit event). */
  movedFrom?: Digest;
}

/** What a tag rules check found: warnings, and the digest (undefined: absent) the tag pointed at when checked. */
interface TagCheck {
  warnings: string[];
  expected?: { digest: Digest | undefined };
}
const UNCHECKED: TagCheck = Object.freeze({ warnings: [] }) as TagCheck;
/** A push whose tag keeps moving under it gives up after this many checks (CONFLICT, 409). */
const TAG_CHECK_ATTEMPTS = 3;

/** The tag rules (versions/tag-guard.ts): `isGuarded` answers from memory whether a project has any. */
export type ManifestTagGuard = TagGuard & { isGuarded(repo: RepoName): Promise<boolean> };

export interface ReferrersResult {
  index: { schemaVersion: 2; mediaType: typeof MediaType.OciIndex; manifests: ReferrerDescriptor[] };
  filtered: boolean;
}

function unknownManifest(ref: Reference, message?: string): BerthError {
  return new BerthError('MANIFEST_UNKNOWN', { ...(message ? { message } : {}), detail: ref.kind === 'tag' ? { tag: ref.tag } : { digest: ref.digest } });
}

/** Manifests: validated on push, stored byte for byte, negotiated on pull, and the referrers that point at them. */
export class ManifestService {
  constructor(
    private readonly deps: {
      meta: { manifests: ManifestRepo; blobs: BlobRepo; tags: TagRepo; tagDetails: Pick<TagDetailRepo, 'digestOf' | 'tagsOf'> };
      uploads: Pick<UploadService, 'putMonolithic'>;
      manifestMaxBytes: number;
      /** Every tag change (push by tag, deletes) asks it first; absent: all are allowed. */
      tagGuard?: ManifestTagGuard;
    },
  ) {}

  get maxBytes(): number {
    return this.deps.manifestMaxBytes;
  }

  /**
   * The manifest `ref` names, as the client's `Accept` allows. An index requested by tag by a client that
   * cannot read indexes gets its linux/amd64 manifest, as Distribution does. Throws MANIFEST_UNKNOWN.
   */
  async get(repo: RepoName, ref: Reference, accepted: string[]): Promise<StoredManifest> {
    const stored = await this.deps.meta.manifests.get(repo, ref);
    if (!stored) throw unknownManifest(ref);
    if (isAcceptable(stored.mediaType, accepted)) return stored;
    if (ref.kind === 'tag' && isIndexMediaType(stored.mediaType)) {
      const child = this.platformChild(stored, accepted);
      const manifest = child && (await this.deps.meta.manifests.get(repo, { kind: 'digest', digest: child.digest }));
      if (manifest) return manifest;
    }
    throw unknownManifest(ref, `manifest is ${stored.mediaType}, which the Accept header does not allow`);
  }

  /**
   * Validates and stores a manifest; `contentType` is the request's media type without parameters. `actor` is
   * the principal's name, for the tag rules and tag history a push by tag goes through.
   */
  async put(repo: RepoName, ref: Reference, contentType: string, content: Buffer, actor: string): Promise<PutManifestResult> {
    if (content.length > this.deps.manifestMaxBytes) {
      throw new BerthError('MANIFEST_TOO_LARGE', { detail: { sizeBytes: content.length, maxBytes: this.deps.manifestMaxBytes } });
    }
    const parsed = parseManifest(content, contentType);
    const digest = digestOf(content, ref.kind === 'digest' ? digestAlgorithm(ref.digest) : 'sha256');
    if (ref.kind === 'digest' && digest !== ref.digest) {
      throw new BerthError('DIGEST_INVALID', { message: 'manifest digest does not match the reference it was pushed to', detail: { expected: ref.digest, actual: digest } });
    }
    let checked = ref.kind === 'tag' ? await this.checkTagChange(repo, ref.tag, digest, 'push', actor) : UNCHECKED;
    if (parsed.blobs.includes(EMPTY_BLOB.digest as Digest)) await this.ensureEmptyBlob(repo);
    let movedFrom: Digest | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        ({ movedFrom } = await this.deps.meta.manifests.put({
          repo,
          digest,
          mediaType: parsed.mediaType,
          content,
          blobs: parsed.blobs,
          manifests: parsed.manifests.map((d) => d.digest),
          ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
          ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
          ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
          ...(ref.kind === 'tag' ? { tag: ref.tag, change: { how: 'push' as const, actor } } : {}),
          ...(checked.expected ? { tagExpected: checked.expected } : {}),
        }));
        break;
      } catch (err) {
        // Another push moved the tag after its rules were checked: check again against where it points now.
        const isTagMoved = isBerthError(err, 'CONFLICT') && err.detail?.reason === 'tag-moved';
        if (!isTagMoved || ref.kind !== 'tag' || attempt >= TAG_CHECK_ATTEMPTS) throw err;
        checked = await this.checkTagChange(repo, ref.tag, digest, 'push', actor);
      }
    }
    const { warnings } = checked;
    return { digest, ...(parsed.subject ? { subject: parsed.subject.digest } : {}), ...(warnings.length > 0 ? { warnings } : {}), ...(movedFrom !== undefined ? { movedFrom } : {}) };
  }

  /**
   * Asks the tag guard about pointing `tag` at `to` (undefined: deleting it); throws its refusal, returns its
   * warnings and the digest the decision was made on. The tag's current digest is looked up only when the
   * project has tag rules.
   */
  private async checkTagChange(repo: RepoName, tag: Tag, to: Digest | undefined, how: TagChangeKind, actor: string): Promise<TagCheck> {
    const guard = this.deps.tagGuard;
    if (!guard || !(await guard.isGuarded(repo))) return UNCHECKED;
    const from = await this.deps.meta.tagDetails.digestOf(repo, tag);
    if (from === undefined && to === undefined) return UNCHECKED;
    const { warnings } = await guard.check({ repo, tag, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), how, actor });
    return { warnings, expected: { digest: from } };
  }

  /** By tag: removes only that tag. By digest: removes the manifest and the tags pointing at it. `actor` as for put. */
  async delete(repo: RepoName, ref: Reference, actor: string): Promise<void> {
    if (ref.kind === 'tag') {
      await this.checkTagChange(repo, ref.tag, undefined, 'delete', actor);
      if (!(await this.deps.meta.tags.delete(repo, ref.tag, { how: 'delete', actor }))) throw unknownManifest(ref);
      return;
    }
    // Deleting a manifest removes every tag pointing at it: each must be allowed to go.
    if (this.deps.tagGuard && (await this.deps.tagGuard.isGuarded(repo))) {
      for (const tag of await this.deps.meta.tagDetails.tagsOf(repo, ref.digest)) {
        await this.deps.tagGuard.check({ repo, tag, from: ref.digest, how: 'delete', actor });
      }
    }
    const result = await this.deps.meta.manifests.delete(repo, ref.digest, { how: 'delete', actor });
    if (result === 'absent') throw unknownManifest(ref);
    if (result === 'referenced') {
      throw new BerthError('STILL_REFERENCED', { message: `manifest ${ref.digest} is listed by an index in ${repo}: delete the index first`, detail: { digest: ref.digest } });
    }
  }

  /**
   * The OCI 1.1 referrers of `subject` in `repo`: manifests pushed with that `subject`, plus the entries of the
   * tag-schema fallback index (`sha256-<hex>`) that clients without referrers support push instead.
   */
  async referrers(repo: RepoName, subject: Digest, artifactType?: string): Promise<ReferrersResult> {
    const found = await this.deps.meta.manifests.referrers(repo, subject, artifactType);
    const seen = new Set(found.map((d) => d.digest));
    for (const d of await this.fallbackReferrers(repo, subject)) {
      if (seen.has(d.digest) || (artifactType !== undefined && d.artifactType !== artifactType)) continue;
      seen.add(d.digest);
      found.push(d);
    }
    return { index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: found }, filtered: artifactType !== undefined };
  }

  private async fallbackReferrers(repo: RepoName, subject: Digest): Promise<ReferrerDescriptor[]> {
    const tag = referrersFallbackTag(subject);
    if (!isTag(tag)) return [];
    const index = await this.deps.meta.manifests.get(repo, { kind: 'tag', tag: tag as Tag });
    if (!index || index.mediaType !== MediaType.OciIndex) return [];
    try {
      const body = JSON.parse(index.content.toString('utf8')) as { manifests?: unknown[] };
      return (body.manifests ?? []).map((d, i) => {
        const { mediaType, digest, size, artifactType, annotations } = parseDescriptor(d, `manifests[${i}]`);
        return { mediaType, digest, size, ...(artifactType ? { artifactType } : {}), ...(annotations ? { annotations } : {}) };
      });
    } catch {
      return [];
    }
  }

  private platformChild(index: StoredManifest, accepted: string[]): Descriptor | undefined {
    const { manifests } = parseManifest(index.content, index.mediaType);
    return manifests.find(
      (d) => d.platform?.os === DEFAULT_PLATFORM.os && d.platform.architecture === DEFAULT_PLATFORM.architecture && isAcceptable(d.mediaType, accepted),
    );
  }

  /** The OCI empty blob `{}` is provided by the registry itself, so artifact pushes never fail for lack of it. */
  private async ensureEmptyBlob(repo: RepoName): Promise<void> {
    const digest = EMPTY_BLOB.digest as Digest;
    if (await this.deps.meta.blobs.findLinked(repo, digest)) return;
    await this.deps.uploads.putMonolithic(repo, digest, { body: Readable.from([EMPTY_BLOB.content]) });
  }
}
