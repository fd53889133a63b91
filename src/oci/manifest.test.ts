import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { digestOf } from './digest.ts';
import { parseDescriptor, parseManifest } from './manifest.ts';
import { MediaType } from './media-types.ts';

const d = (seed: string) => digestOf(Buffer.from(seed));
const CONFIG = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('config'), size: 7 };
const LAYER = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('layer'), size: 100 };
const image = (extra: Record<string, unknown> = {}) => ({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: CONFIG, layers: [LAYER], ...extra });
const index = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [{ mediaType: MediaType.OciManifest, digest: d('amd64'), size: 500, platform: { os: 'linux', architecture: 'amd64' } }],
  ...extra,
});
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

/** Asserts MANIFEST_INVALID whose message contains `fragment`. */
function invalid(body: unknown, contentType: string, fragment: string): void {
  assert.throws(() => parseManifest(bytes(body), contentType), (err) => {
    assert.ok(isBerthError(err, 'MANIFEST_INVALID'), String(err));
    assert.ok(err.message.includes(fragment), `"${err.message}" should mention "${fragment}"`);
    return true;
  });
}

describe('parseManifest: the body', () => {
  it('rejects bytes that are not JSON, and JSON that is not an object', () => {
    invalid('{"schemaVersion":2', MediaType.OciManifest, 'not valid JSON');
    invalid('', '', 'not valid JSON');
    for (const body of ['[]', '"text"', '2', 'null', 'true']) invalid(body, MediaType.OciManifest, 'must be a JSON object');
  });

  it('requires schemaVersion 2', () => {
    for (const version of [undefined, '2', 3, 2.5, null]) invalid(image({ schemaVersion: version }), MediaType.OciManifest, 'schemaVersion must be 2');
  });

  it('refuses Docker schema1 by content type or by schemaVersion 1', () => {
    invalid(image(), MediaType.DockerSchema1, 'schema1');
    invalid(image(), MediaType.DockerSchema1Signed, 'schema1');
    invalid({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }, 'application/json', 'schema1');
  });

  it('type checks artifactType, annotations and subject', () => {
    invalid(image({ artifactType: 5 }), MediaType.OciManifest, 'artifactType must be a string');
    invalid(image({ annotations: ['a'] }), MediaType.OciManifest, 'manifest.annotations must be an object of strings');
    invalid(image({ annotations: { a: 1 } }), MediaType.OciManifest, 'manifest.annotations must be an object of strings');
    invalid(image({ subject: 'sha256:x' }), MediaType.OciManifest, 'subject must be a descriptor object');
    invalid(image({ subject: { ...CONFIG, digest: 'sha256:short' } }), MediaType.OciManifest, 'subject.digest is not a valid digest');
  });
});

describe('parseManifest: the media type', () => {
  it('takes the type from a manifest Content-Type and requires a declared mediaType to agree', () => {
    assert.equal(parseManifest(bytes(image()), MediaType.OciManifest).mediaType, MediaType.OciManifest);
    assert.equal(parseManifest(bytes(image({ mediaType: undefined })), MediaType.DockerManifest).mediaType, MediaType.DockerManifest);
    invalid(image(), MediaType.DockerManifest, 'does not match the Content-Type');
    invalid(image({ mediaType: 7 }), MediaType.OciManifest, 'mediaType must be a string');
  });

  it('refuses a Content-Type that is neither a manifest type nor generic', () => {
    invalid(image(), 'text/plain', 'unsupported manifest media type text/plain');
    invalid(image(), MediaType.OciEmpty, 'unsupported manifest media type');
  });

  it('with a generic or missing Content-Type, the mediaType field decides', () => {
    for (const contentType of ['', 'application/json', 'application/octet-stream']) {
      assert.equal(parseManifest(bytes(image()), contentType).mediaType, MediaType.OciManifest);
      assert.equal(parseManifest(bytes(index()), contentType).mediaType, MediaType.OciIndex);
      assert.equal(parseManifest(bytes(image({ mediaType: MediaType.DockerManifest })), contentType).mediaType, MediaType.DockerManifest);
      invalid(image({ mediaType: 'application/vnd.example+json' }), contentType, 'unsupported manifest media type application/vnd.example+json');
    }
  });

  it('with neither header nor field, the shape decides', () => {
    assert.equal(parseManifest(bytes(index({ mediaType: undefined })), '').mediaType, MediaType.OciIndex);
    assert.equal(parseManifest(bytes(image({ mediaType: undefined })), 'application/json').mediaType, MediaType.OciManifest);
    invalid({ schemaVersion: 2, layers: [] }, '', 'cannot tell the manifest type');
  });
});

describe('parseManifest: images', () => {
  it('returns config and layers as the blobs the repository must hold, deduplicated', () => {
    const parsed = parseManifest(bytes(image({ layers: [LAYER, { ...LAYER, mediaType: 'application/vnd.oci.image.layer.v1.tar' }, CONFIG] })), MediaType.OciManifest);
    assert.deepEqual(parsed, { mediaType: MediaType.OciManifest, blobs: [CONFIG.digest, LAYER.digest], manifests: [], artifactType: CONFIG.mediaType });
  });

  it('an explicit artifactType wins over the config media type; subject and annotations are returned', () => {
    const subject = { mediaType: MediaType.OciManifest, digest: d('subject'), size: 10 };
    const annotations = { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' };
    const parsed = parseManifest(bytes(image({ artifactType: 'application/vnd.example.sbom', subject, annotations, config: { ...CONFIG, mediaType: MediaType.OciEmpty } })), MediaType.OciManifest);
    assert.equal(parsed.artifactType, 'application/vnd.example.sbom');
    assert.deepEqual(parsed.subject, subject);
    assert.deepEqual(parsed.annotations, annotations);
  });

  it('foreign layers with urls are not required in the repository; without urls they are', () => {
    const foreign = ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd'];
    for (const mediaType of foreign) {
      const withUrls = { mediaType, digest: d(mediaType), size: 1, urls: ['https://example.invalid/layer'] };
      assert.deepEqual(parseManifest(bytes(image({ layers: [withUrls, LAYER] })), MediaType.OciManifest).blobs, [CONFIG.digest, LAYER.digest], mediaType);
      const withoutUrls = { mediaType, digest: d(mediaType), size: 1 };
      assert.deepEqual(parseManifest(bytes(image({ layers: [withoutUrls] })), MediaType.OciManifest).blobs, [CONFIG.digest, d(mediaType)], mediaType);
    }
    const ordinaryWithUrls = { ...LAYER, urls: ['https://example.invalid/layer'] };
    assert.deepEqual(parseManifest(bytes(image({ layers: [ordinaryWithUrls] })), MediaType.OciManifest).blobs, [CONFIG.digest, LAYER.digest]);
  });

  it('requires a config descriptor and a layers array, and no manifests array', () => {
    invalid(image({ config: undefined }), MediaType.OciManifest, 'config must be a descriptor object');
    invalid(image({ layers: undefined }), MediaType.OciManifest, 'needs a layers array');
    invalid(image({ layers: { 0: LAYER } }), MediaType.OciManifest, 'needs a layers array');
    invalid(image({ manifests: [] }), MediaType.OciManifest, 'cannot have a manifests array');
    invalid(image({ layers: [LAYER, { ...LAYER, size: -1 }] }), MediaType.OciManifest, 'layers[1].size');
  });

  it('accepts an image with no layers (an artifact)', () => {
    assert.deepEqual(parseManifest(bytes(image({ layers: [] })), MediaType.OciManifest).blobs, [CONFIG.digest]);
  });
});

describe('parseManifest: indexes', () => {
  it('returns the child manifests and no blobs', () => {
    const parsed = parseManifest(bytes(index({ artifactType: 'application/vnd.example', annotations: { a: 'b' } })), MediaType.OciIndex);
    assert.deepEqual(parsed, { mediaType: MediaType.OciIndex, blobs: [], manifests: index().manifests, artifactType: 'application/vnd.example', annotations: { a: 'b' } });
    assert.equal(parseManifest(bytes(index({ mediaType: MediaType.DockerManifestList })), MediaType.DockerManifestList).manifests.length, 1);
  });

  it('an index has no artifactType unless it declares one', () => {
    assert.equal('artifactType' in parseManifest(bytes(index()), MediaType.OciIndex), false);
    assert.deepEqual(parseManifest(bytes(index({ manifests: [] })), MediaType.OciIndex).manifests, []);
  });

  it('requires a manifests array and refuses config or layers', () => {
    invalid(index({ manifests: undefined }), MediaType.OciIndex, 'needs a manifests array');
    invalid(index({ config: CONFIG }), MediaType.OciIndex, 'cannot have config or layers');
    invalid(index({ layers: [] }), MediaType.OciIndex, 'cannot have config or layers');
    invalid(index({ manifests: [{ mediaType: MediaType.OciManifest, digest: 'nope', size: 1 }] }), MediaType.OciIndex, 'manifests[0].digest is not a valid digest');
  });
});

describe('parseDescriptor', () => {
  const bad = (value: unknown, fragment: string) =>
    assert.throws(() => parseDescriptor(value, 'layers[0]'), (err) => isBerthError(err, 'MANIFEST_INVALID') && err.message.includes(fragment), fragment);

  it('checks every field and names the descriptor in the message', () => {
    bad(null, 'layers[0] must be a descriptor object');
    bad([], 'layers[0] must be a descriptor object');
    bad({ ...LAYER, mediaType: '' }, 'layers[0].mediaType must be a non-empty string');
    bad({ ...LAYER, mediaType: 3 }, 'layers[0].mediaType must be a non-empty string');
    bad({ ...LAYER, digest: undefined }, 'layers[0].digest is not a valid digest');
    for (const size of [-1, 1.5, '100', Number.MAX_SAFE_INTEGER + 2, undefined, null]) bad({ ...LAYER, size }, 'layers[0].size must be a non-negative integer');
    bad({ ...LAYER, urls: 'https://x' }, 'layers[0].urls must be an array of strings');
    bad({ ...LAYER, urls: [1] }, 'layers[0].urls must be an array of strings');
    bad({ ...LAYER, artifactType: {} }, 'layers[0].artifactType must be a string');
    bad({ ...LAYER, annotations: { a: null } }, 'layers[0].annotations must be an object of strings');
    bad({ ...LAYER, platform: { os: 'linux' } }, 'layers[0].platform must have string architecture and os');
    bad({ ...LAYER, platform: 'linux/amd64' }, 'layers[0].platform must have string architecture and os');
  });

  it('keeps the known optional fields and drops unknown ones', () => {
    const full = { ...LAYER, size: 0, artifactType: 'a/b', annotations: { k: 'v' }, urls: ['u'], platform: { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.version': 'x' }, extra: true };
    assert.deepEqual(parseDescriptor(full, 'x'), { ...LAYER, size: 0, artifactType: 'a/b', annotations: { k: 'v' }, urls: ['u'], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    assert.deepEqual(parseDescriptor({ ...LAYER, platform: { os: 'linux', architecture: 'amd64', variant: 8 } }, 'x').platform, { os: 'linux', architecture: 'amd64' });
  });
});
