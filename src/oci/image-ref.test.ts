import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { formatImageRef, hasExplicitReference, manifestReference, parseImageRef, parseRepositoryRef, withDefaultRegistry } from './image-ref.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function rejects(raw: string, code: 'NAME_INVALID' | 'TAG_INVALID' | 'DIGEST_INVALID'): void {
  assert.throws(() => parseImageRef(raw), (err) => isBerthError(err, code), `${raw} should fail with ${code}`);
}

describe('parseImageRef', () => {
  it('gives a bare repository the tag latest and no registry', () => {
    assert.deepEqual(parseImageRef('project/app'), { registry: undefined, repository: 'project/app', tag: 'latest', digest: undefined });
  });

  it('splits tag and digest on the configured server', () => {
    assert.deepEqual(parseImageRef('project/app:v1.2'), { registry: undefined, repository: 'project/app', tag: 'v1.2', digest: undefined });
    assert.deepEqual(parseImageRef(`project/app@${DIGEST}`), { registry: undefined, repository: 'project/app', tag: undefined, digest: DIGEST });
    assert.deepEqual(parseImageRef(`project/app:v1@${DIGEST}`), { registry: undefined, repository: 'project/app', tag: 'v1', digest: DIGEST });
  });

  it('treats a first component with a dot, a colon or localhost as a registry host', () => {
    assert.deepEqual(parseImageRef('127.0.0.1:5000/a/b:t'), { registry: '127.0.0.1:5000', repository: 'a/b', tag: 't', digest: undefined });
    assert.deepEqual(parseImageRef('localhost/app'), { registry: 'localhost', repository: 'app', tag: 'latest', digest: undefined });
    assert.deepEqual(parseImageRef(`Registry.Example.com/app@${DIGEST}`), { registry: 'registry.example.com', repository: 'app', tag: undefined, digest: DIGEST });
    assert.deepEqual(parseImageRef('[::1]:5000/app:1'), { registry: '[::1]:5000', repository: 'app', tag: '1', digest: undefined });
  });

  it('keeps a plain first component as part of the repository name', () => {
    assert.equal(parseImageRef('library/ubuntu:22.04').registry, undefined);
    assert.equal(parseImageRef('library/ubuntu:22.04').repository, 'library/ubuntu');
  });

  it('names the wrong part in its error', () => {
    rejects('Project/App', 'NAME_INVALID');
    rejects('project//app', 'NAME_INVALID');
    rejects('localhost:5000/', 'NAME_INVALID');
    rejects('host:port/app', 'NAME_INVALID');
    rejects('project/app:bad/tag', 'NAME_INVALID');
    rejects('project/app:-bad', 'TAG_INVALID');
    rejects('project/app@sha256:abc', 'DIGEST_INVALID');
    rejects('project/app@md5:' + 'a'.repeat(32), 'DIGEST_INVALID');
  });

  it('round-trips through formatImageRef', () => {
    for (const raw of ['a/b:latest', `h.io:443/a/b:t@${DIGEST}`, `a@${DIGEST}`, 'localhost/x/y/z:1']) {
      assert.equal(formatImageRef(parseImageRef(raw)), raw);
    }
  });

  it('fetches by digest when a reference has both tag and digest', () => {
    assert.equal(manifestReference(parseImageRef(`a/b:v1@${DIGEST}`)), DIGEST);
    assert.equal(manifestReference(parseImageRef('a/b')), 'latest');
  });
});

describe('hasExplicitReference', () => {
  it('tells a named tag or digest from the latest default', () => {
    assert.equal(hasExplicitReference('a/b'), false);
    assert.equal(hasExplicitReference('localhost:5000/a/b'), false);
    assert.equal(hasExplicitReference('localhost:5000/a/b:latest'), true);
    assert.equal(hasExplicitReference(`a/b@${DIGEST}`), true);
  });
});

describe('parseRepositoryRef and withDefaultRegistry', () => {
  it('parses a repository with or without a registry', () => {
    assert.deepEqual(parseRepositoryRef('a/b'), { registry: undefined, repository: 'a/b' });
    assert.deepEqual(parseRepositoryRef('localhost:8080/a/b'), { registry: 'localhost:8080', repository: 'a/b' });
  });

  it('pins only references that named no registry', () => {
    assert.equal(withDefaultRegistry(parseImageRef('a/b'), '127.0.0.1:5000').registry, '127.0.0.1:5000');
    assert.equal(withDefaultRegistry(parseImageRef('other.io/a/b'), '127.0.0.1:5000').registry, 'other.io');
  });
});
