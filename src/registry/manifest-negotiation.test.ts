import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaType } from '../oci/media-types.ts';
import { acceptedTypes, DEFAULT_PLATFORM, isAcceptable } from './manifest-negotiation.ts';

describe('acceptedTypes', () => {
  it('lists the media types of an Accept header, lower-cased, without parameters', () => {
    assert.deepEqual(acceptedTypes(undefined), []);
    assert.deepEqual(acceptedTypes(''), []);
    assert.deepEqual(acceptedTypes(' , ,'), []);
    assert.deepEqual(
      acceptedTypes(`${MediaType.OciManifest}; q=0.9, Application/VND.Docker.Distribution.Manifest.V2+JSON,application/*;q=0.1`),
      [MediaType.OciManifest, MediaType.DockerManifest, 'application/*'],
    );
  });

  it('joins repeated Accept headers', () => {
    assert.deepEqual(acceptedTypes([MediaType.OciIndex, `${MediaType.DockerManifestList}, ${MediaType.OciManifest}`]), [MediaType.OciIndex, MediaType.DockerManifestList, MediaType.OciManifest]);
  });
});

describe('isAcceptable', () => {
  it('a client that lists no types, or a wildcard, gets any manifest', () => {
    for (const accepted of [[], ['*/*'], ['application/*'], ['text/html', '*/*']]) {
      assert.equal(isAcceptable(MediaType.OciIndex, accepted), true, accepted.join());
    }
  });

  it('a client that lists types gets only those', () => {
    const dockerOnly = acceptedTypes(`${MediaType.DockerManifest}, ${MediaType.DockerManifestList}`);
    assert.equal(isAcceptable(MediaType.DockerManifest, dockerOnly), true);
    assert.equal(isAcceptable(MediaType.DockerManifestList, dockerOnly), true);
    assert.equal(isAcceptable(MediaType.OciManifest, dockerOnly), false);
    assert.equal(isAcceptable(MediaType.OciIndex, dockerOnly), false);
    assert.equal(isAcceptable(MediaType.OciIndex, ['text/*']), false);
  });

  it('falls back to linux/amd64 for clients that cannot read an index', () => {
    assert.deepEqual(DEFAULT_PLATFORM, { os: 'linux', architecture: 'amd64' });
  });
});
