import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { isRepoName, isTag, MAX_NAME_LENGTH, parseReference, parseRepoName, parseTag, referenceString } from './names.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('repository names', () => {
  it('accepts names the distribution-spec grammar allows', () => {
    const good = [
      'a', '0', 'library/ubuntu', 'a/b/c/d/e', 'my-app', 'my--app', 'my---app', 'a.b', 'a_b', 'a__b', 'a.b_c__d-e--f',
      'registry.local/team/app', '0a/1b/2c', 'x'.repeat(MAX_NAME_LENGTH), `${'a/'.repeat(127)}a`,
    ];
    for (const raw of good) {
      assert.equal(isRepoName(raw), true, raw);
      assert.equal(parseRepoName(raw), raw);
    }
  });

  it('rejects names outside the grammar with NAME_INVALID', () => {
    const bad = [
      '', 'A', 'Library/ubuntu', 'a/', '/a', 'a//b', 'a..b', 'a___b', 'a._b', 'a-.b', 'a_-b', '-a', 'a-', '.a', 'a.', '_a', 'a_',
      '../a', 'a/../b', 'a/./b', '..', '.', 'a%2fb', 'a b', 'a:b', 'a@b', 'a\\b', 'app\n', 'café', 'a/b/', 'a/-b',
      'x'.repeat(MAX_NAME_LENGTH + 1),
    ];
    for (const raw of bad) {
      assert.equal(isRepoName(raw), false, JSON.stringify(raw));
      assert.throws(() => parseRepoName(raw), (err) => isBerthError(err, 'NAME_INVALID'), JSON.stringify(raw));
    }
  });

  it('keeps at most 300 characters of a rejected name in the error detail', () => {
    assert.throws(() => parseRepoName('Z'.repeat(5000)), (err) => isBerthError(err, 'NAME_INVALID') && String(err.detail?.name).length === 300);
  });
});

describe('tags', () => {
  it('accepts tags of word characters, dots and dashes that do not start with a dot or dash', () => {
    for (const raw of ['latest', 'LATEST', 'v1.2.3', 'v1.2.3-rc.1_build', '_', '_x', '0', 'a'.repeat(128), '1.0', 'a--b..c__d', 'x-', 'x.']) {
      assert.equal(isTag(raw), true, raw);
      assert.equal(parseTag(raw), raw);
    }
  });

  it('rejects other tags with TAG_INVALID', () => {
    for (const raw of ['', '.hidden', '-x', 'a'.repeat(129), 'a:b', 'a/b', 'a+b', 'a b', 'é', 'v1\n', '@', DIGEST]) {
      assert.equal(isTag(raw), false, JSON.stringify(raw));
      assert.throws(() => parseTag(raw), (err) => isBerthError(err, 'TAG_INVALID'), JSON.stringify(raw));
    }
  });
});

describe('manifest references', () => {
  it('a reference with a colon is a digest, anything else a tag', () => {
    assert.deepEqual(parseReference(DIGEST), { kind: 'digest', digest: DIGEST });
    assert.deepEqual(parseReference('v1.0'), { kind: 'tag', tag: 'v1.0' });
    assert.equal(referenceString(parseReference(DIGEST)), DIGEST);
    assert.equal(referenceString(parseReference('latest')), 'latest');
  });

  it('a malformed digest reference is DIGEST_INVALID and a malformed tag TAG_INVALID', () => {
    for (const raw of ['sha256:abc', 'latest:1', `sha256:${'AB'.repeat(32)}`, ':']) {
      assert.throws(() => parseReference(raw), (err) => isBerthError(err, 'DIGEST_INVALID'), raw);
    }
    for (const raw of ['', '.x', 'a/b', 'a'.repeat(129)]) {
      assert.throws(() => parseReference(raw), (err) => isBerthError(err, 'TAG_INVALID'), raw);
    }
  });
});
