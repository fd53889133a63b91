import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { digestOf, type Digest } from '../oci/digest.ts';
import { parseManifest } from '../oci/manifest.ts';
import { buildReleaseNotes, MAX_RELEASE_NOTES_BYTES, newestFirst, notesLayer, parseReleaseNotes, RELEASE_NOTES_TYPE } from './release-note.ts';

const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(Buffer.from('image')), size: 123 };
const notes = { schemaVersion: 1 as const, markdown: '# hi', changes: ['a'], knownIssues: [], upgrade: ['b'], createdAt: '2026-11-28T10:00:00.000Z' };

describe('release notes artifact', () => {
  it('is a referrer of the image whose layer round-trips the notes', () => {
    const built = buildReleaseNotes(subject, notes);
    const parsed = parseManifest(built.bytes, built.mediaType);
    assert.equal(parsed.artifactType, RELEASE_NOTES_TYPE);
    assert.equal(parsed.subject?.digest, subject.digest);
    assert.equal(built.digest, digestOf(built.bytes));
    const layer = notesLayer(built.bytes)!;
    const blob = built.blobs.find((b) => b.digest === layer.digest)!;
    assert.deepEqual(parseReleaseNotes(blob.bytes), notes);
    assert.deepEqual(parsed.blobs.sort(), built.blobs.map((b) => b.digest).sort());
  });

  it('refuses oversized notes and unreadable layers', () => {
    assert.throws(() => buildReleaseNotes(subject, { ...notes, markdown: 'x'.repeat(MAX_RELEASE_NOTES_BYTES) }), (e) => isBerthError(e, 'BAD_REQUEST'));
    assert.throws(() => parseReleaseNotes(Buffer.from('{')), (e) => isBerthError(e, 'IMAGE_INVALID'));
    assert.throws(() => parseReleaseNotes(Buffer.from('{"schemaVersion":2}')), (e) => isBerthError(e, 'IMAGE_INVALID'));
  });

  it('newest first by the created annotation, undated last', () => {
    const d = (n: string) => `sha256:${n.repeat(64)}` as Digest;
    const at = (t?: string) => (t ? { 'org.opencontainers.image.created': t } : undefined);
    const list = [
      { digest: d('a'), annotations: at('2026-01-01T00:00:00Z') },
      { digest: d('b') },
      { digest: d('c'), annotations: at('2026-01-01T01:00:00+02:00') },
      { digest: d('e'), annotations: at('2026-03-01T00:00:00Z') },
    ].map((x) => ({ ...x, ...(x.annotations ? {} : { annotations: undefined }) })) as Array<{ digest: Digest; annotations?: Record<string, string> }>;
    assert.deepEqual(newestFirst(list).map((x) => x.digest[7]), ['e', 'a', 'c', 'b']);
  });
});
