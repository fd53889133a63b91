import { z } from 'zod';
import { BerthError } from '../errors/berth-error.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { artifactManifest, type BuiltManifest } from '../oci/artifact-manifest.ts';

/**
 * Release notes as an OCI 1.1 artifact: an image manifest whose `subject` is the image, `artifactType` and only
 * layer RELEASE_NOTES_TYPE holding the JSON document below, the empty config. Being a referrer, it travels with
 * every copy that carries referrers (promotion, replication, `berth copy`). Pure: no I/O.
 */
export const RELEASE_NOTES_TYPE = 'application/vnd.berth.release-notes.v1+json';
/** When the note was written (RFC 3339): the newest note of an image wins. */
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';
/** Release notes are text; anything larger is refused on write and not read. */
export const MAX_RELEASE_NOTES_BYTES = 1024 * 1024;

export const ReleaseNotes = z.strictObject({
  schemaVersion: z.literal(1),
  markdown: z.string(),
  changes: z.array(z.string()),
  knownIssues: z.array(z.string()),
  upgrade: z.array(z.string()),
  createdAt: z.iso.datetime({ offset: true }),
});
export type ReleaseNotes = z.infer<typeof ReleaseNotes>;

/** The artifact manifest and its blobs for `notes` about `subject`. Throws BAD_REQUEST when over the size limit. */
export function buildReleaseNotes(subject: Descriptor, notes: ReleaseNotes): BuiltManifest {
  const layer = Buffer.from(JSON.stringify(ReleaseNotes.parse(notes)));
  if (layer.length > MAX_RELEASE_NOTES_BYTES) {
    throw new BerthError('BAD_REQUEST', { message: `release notes are ${layer.length} bytes, more than ${MAX_RELEASE_NOTES_BYTES}` });
  }
  return artifactManifest({
    artifactType: RELEASE_NOTES_TYPE,
    subject,
    content: layer,
    layerAnnotations: { 'org.opencontainers.image.title': 'release-notes.json' },
    annotations: { [CREATED_ANNOTATION]: notes.createdAt },
  });
}

/** The notes layer of a release-notes manifest, or undefined when it has none. */
export function notesLayer(manifest: Buffer): Descriptor | undefined {
  try {
    const doc = JSON.parse(manifest.toString('utf8')) as { layers?: Descriptor[] };
    const layer = doc.layers?.find((l) => l.mediaType === RELEASE_NOTES_TYPE);
    return layer && typeof layer.digest === 'string' && typeof layer.size === 'number' ? layer : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a notes layer. Throws IMAGE_INVALID naming what is wrong. */
export function parseReleaseNotes(bytes: Buffer): ReleaseNotes {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BerthError('IMAGE_INVALID', { message: 'the release notes are not JSON' });
  }
  const parsed = ReleaseNotes.safeParse(doc);
  if (!parsed.success) throw new BerthError('IMAGE_INVALID', { message: `the release notes are not valid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` });
  return parsed.data;
}

/** Newest first by the created annotation (undated last), then by digest for a stable order. */
export function newestFirst<T extends { digest: string; annotations?: Record<string, string> }>(notes: T[]): T[] {
  const created = (d: T) => Date.parse(d.annotations?.[CREATED_ANNOTATION] ?? '') || 0;
  return [...notes].sort((a, b) => created(b) - created(a) || a.digest.localeCompare(b.digest));
}
