import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSegment, parseV2Path } from './v2-path.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const UUID = '3f2b8c1e-0a4d-4e6f-9b7a-1c2d3e4f5a6b';

describe('parseV2Path', () => {
  it('recognises every endpoint', () => {
    assert.deepEqual(parseV2Path(''), { kind: 'base' });
    assert.deepEqual(parseV2Path('_catalog'), { kind: 'catalog' });
    assert.deepEqual(parseV2Path('library/ubuntu/tags/list'), { kind: 'tags', name: 'library/ubuntu' });
    assert.deepEqual(parseV2Path('app/manifests/latest'), { kind: 'manifest', name: 'app', reference: 'latest' });
    assert.deepEqual(parseV2Path(`a/b/c/manifests/${DIGEST}`), { kind: 'manifest', name: 'a/b/c', reference: DIGEST });
    assert.deepEqual(parseV2Path('app/blobs/uploads/'), { kind: 'uploads', name: 'app' });
    assert.deepEqual(parseV2Path('app/blobs/uploads'), { kind: 'uploads', name: 'app' });
    assert.deepEqual(parseV2Path(`app/blobs/uploads/${UUID}`), { kind: 'upload', name: 'app', id: UUID });
    assert.deepEqual(parseV2Path(`team/app/blobs/${DIGEST}`), { kind: 'blob', name: 'team/app', digest: DIGEST });
    assert.deepEqual(parseV2Path(`app/referrers/${DIGEST}`), { kind: 'referrers', name: 'app', digest: DIGEST });
  });

  it('repository names that contain endpoint words keep them', () => {
    assert.deepEqual(parseV2Path('manifests/manifests/latest'), { kind: 'manifest', name: 'manifests', reference: 'latest' });
    assert.deepEqual(parseV2Path('a/tags/tags/list'), { kind: 'tags', name: 'a/tags' });
    assert.deepEqual(parseV2Path(`x/blobs/uploads/blobs/${DIGEST}`), { kind: 'blob', name: 'x/blobs/uploads', digest: DIGEST });
    assert.deepEqual(parseV2Path('blobs/blobs/uploads/'), { kind: 'uploads', name: 'blobs' });
    assert.deepEqual(parseV2Path('referrers/tags/list'), { kind: 'tags', name: 'referrers' });
  });

  it('returns the name and last segment raw, for the caller to validate and decode', () => {
    assert.deepEqual(parseV2Path('..%2Fetc/manifests/sha256%3Aab'), { kind: 'manifest', name: '..%2Fetc', reference: 'sha256%3Aab' });
    assert.deepEqual(parseV2Path('../../x/blobs/uploads/..'), { kind: 'upload', name: '../../x', id: '..' });
  });

  it('answers undefined for paths that are no endpoint', () => {
    for (const rest of ['app', 'app/', 'app/manifests', 'app/manifests/', 'app/manifests/a/b', 'tags/list', 'app/tags', 'app/tags/list/', 'app/blobs/', `app/blobs/uploads/${UUID}/x`, '_catalog/x', 'app/referrers/', 'app/unknown/x', '/manifests/latest']) {
      assert.equal(parseV2Path(rest), undefined, rest);
    }
  });
});

describe('decodeSegment', () => {
  it('decodes percent-encoding and leaves malformed sequences as sent', () => {
    assert.equal(decodeSegment('sha256%3Aab'), 'sha256:ab');
    assert.equal(decodeSegment('latest'), 'latest');
    assert.equal(decodeSegment('%2e%2e'), '..');
    assert.equal(decodeSegment('%E0%A4%A'), '%E0%A4%A');
    assert.equal(decodeSegment('100%'), '100%');
  });
});
