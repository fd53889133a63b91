import { BerthError } from '../errors/berth-error.ts';
import { digestOf, type Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import type { Reference, RepoName } from '../oci/names.ts';
import type { BlobService } from '../registry/blob.service.ts';
import type { ManifestService } from '../registry/manifest.service.ts';
import { MAX_RELEASE_NOTES_BYTES, newestFirst, notesLayer, parseReleaseNotes, RELEASE_NOTES_TYPE, type ReleaseNotes } from './release-note.ts';

export interface ReleaseNotesView {
  repository: string;
  /** The image the notes are about. */
  digest: Digest;
  /** The release-notes artifact shown (the newest). */
  manifest: Digest;
  /** How many release-notes artifacts the image has. */
  count: number;
  notes: ReleaseNotes;
}

const ACCEPT_ANY = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList];

/** Reads the release notes stored as referrers of an image, straight from the registry's own store. */
export class ReleaseNoteService {
  constructor(private readonly deps: { manifests: Pick<ManifestService, 'get' | 'referrers'>; blobs: Pick<BlobService, 'stat' | 'open'> }) {}

  /** Whether `digest` in `repo` has at least one release-notes artifact. */
  async has(repo: RepoName, digest: Digest): Promise<boolean> {
    return (await this.deps.manifests.referrers(repo, digest, RELEASE_NOTES_TYPE)).index.manifests.length > 0;
  }

  /**
   * The newest release notes of the image `ref` names. Throws MANIFEST_UNKNOWN for an unknown image,
   * RESOURCE_UNKNOWN when it has no notes, IMAGE_INVALID when the newest one cannot be read.
   */
  async newest(repo: RepoName, ref: Reference): Promise<ReleaseNotesView> {
    const image = await this.deps.manifests.get(repo, ref, ACCEPT_ANY);
    const found = newestFirst((await this.deps.manifests.referrers(repo, image.digest, RELEASE_NOTES_TYPE)).index.manifests);
    const first = found[0];
    if (!first) throw new BerthError('RESOURCE_UNKNOWN', { message: `${repo}@${image.digest} has no release notes`, detail: { repository: repo, digest: image.digest } });
    const manifest = await this.deps.manifests.get(repo, { kind: 'digest', digest: first.digest }, ACCEPT_ANY);
    const layer = notesLayer(manifest.content);
    if (!layer) throw new BerthError('IMAGE_INVALID', { message: `release notes ${first.digest} have no ${RELEASE_NOTES_TYPE} layer` });
    const notes = parseReleaseNotes(await this.read(repo, layer.digest));
    return { repository: repo, digest: image.digest, manifest: first.digest, count: found.length, notes };
  }

  private async read(repo: RepoName, digest: Digest): Promise<Buffer> {
    const size = await this.deps.blobs.stat(repo, digest);
    if (size > MAX_RELEASE_NOTES_BYTES) throw new BerthError('IMAGE_INVALID', { message: `release notes blob is ${size} bytes, more than ${MAX_RELEASE_NOTES_BYTES}` });
    const chunks: Buffer[] = [];
    for await (const chunk of await this.deps.blobs.open(digest)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    if (digestOf(bytes) !== digest) throw new BerthError('IMAGE_INVALID', { message: `release notes blob ${digest} does not match its digest` });
    return bytes;
  }
}
