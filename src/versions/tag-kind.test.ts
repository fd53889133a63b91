import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyTag, dateKeyOf, semverOf, sortTags, type TagKind } from './tag-kind.ts';

const at = (name: string, pushedAt = 0) => ({ name, pushedAt });
const names = (tags: { name: string }[]) => tags.map((t) => t.name);

describe('tag classification', () => {
  const vectors: Array<[string, TagKind]> = [
    ['latest', 'latest'],
    ['dev', 'channel'], ['test', 'channel'], ['staging', 'channel'], ['prod', 'channel'],
    ['1.2.3', 'semver'], ['v1.2.3', 'semver'], ['0.0.0', 'semver'], ['10.20.30', 'semver'],
    ['1.0.0-rc.1', 'semver'], ['v2.0.0-alpha', 'semver'], ['1.0.0-alpha.beta.1', 'semver'], ['1.0.0-0.3.7', 'semver'],
    ['1.25.3-alpine', 'semver'],
    ['1.2', 'other'], ['v1', 'other'], ['01.2.3', 'other'], ['1.02.3', 'other'], ['1.2.3-01', 'other'], ['V1.2.3', 'other'], ['vv1.2.3', 'other'],
    ['2026-11-28', 'date'], ['2026.11.28', 'date'], ['20261128', 'date'], ['2026-11-28-1530', 'date'], ['20261128T153000', 'date'],
    ['2026-02-30', 'other'], ['2026-13-01', 'other'], ['2026-11.28', 'other'],
    ['20261301', 'git-sha'], ['abc1234', 'git-sha'], ['0123456789abcdef0123456789abcdef01234567', 'git-sha'],
    ['abc123', 'other'], ['ABC1234', 'other'], ['0123456789abcdef0123456789abcdef012345678', 'other'], ['deadbeefx', 'other'],
    ['main', 'other'], ['feature-login', 'other'], ['Latest', 'other'], ['production', 'other'],
  ];
  for (const [tag, kind] of vectors) {
    it(`${tag} is ${kind}`, () => assert.equal(classifyTag(tag), kind));
  }

  it('channels are configurable', () => {
    assert.equal(classifyTag('canary', ['canary', 'stable']), 'channel');
    assert.equal(classifyTag('dev', ['canary', 'stable']), 'other');
    assert.equal(classifyTag('latest', ['latest']), 'latest');
  });

  it('semverOf normalizes the v away; dateKeyOf gives a sortable key', () => {
    assert.equal(semverOf('v1.2.3-rc.1'), '1.2.3-rc.1');
    assert.equal(semverOf('release'), undefined);
    assert.equal(dateKeyOf('2024-02-29'), '20240229000000');
    assert.equal(dateKeyOf('2023-02-29'), undefined);
    assert.equal(dateKeyOf('2026-11-28-1530'), '20261128153000');
  });
});

describe('tag ordering', () => {
  it('orders pre-releases by SemVer 2.0 precedence, highest first', () => {
    // The example of SemVer 2.0 section 11, shuffled.
    const spec = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    const shuffled = [spec[3], spec[7], spec[0], spec[5], spec[2], spec[6], spec[1], spec[4]].map((n) => at(n!));
    assert.deepEqual(names(sortTags(shuffled, 'version')), [...spec].reverse());
  });

  it('compares numerically, not lexically, with and without v', () => {
    const tags = ['1.9.0', 'v1.10.0', '1.2.10', '1.2.9', 'v2.0.0', '0.10.0'].map((n) => at(n));
    assert.deepEqual(names(sortTags(tags, 'version')), ['v2.0.0', 'v1.10.0', '1.9.0', '1.2.10', '1.2.9', '0.10.0']);
    // Same precedence: the name decides, so the order is stable.
    assert.deepEqual(names(sortTags([at('v1.0.0'), at('1.0.0')], 'version')), ['1.0.0', 'v1.0.0']);
  });

  it('groups kinds: versions, dates, channels, latest, hashes by push time, the rest by name', () => {
    const tags = [
      at('zeta', 1), at('abc1234', 10), at('prod', 1), at('2026-01-02', 1), at('1.0.0', 1), at('latest', 1),
      at('dev', 1), at('alpha', 1), at('2026-03-01', 1), at('fedcba9', 20), at('2.0.0-rc.1', 1), at('staging', 1),
    ];
    assert.deepEqual(names(sortTags(tags, 'version')), [
      '2.0.0-rc.1', '1.0.0', '2026-03-01', '2026-01-02', 'dev', 'staging', 'prod', 'latest', 'fedcba9', 'abc1234', 'alpha', 'zeta',
    ]);
  });

  it('sorts by push time (newest first, name breaks ties) and by name (bytewise)', () => {
    const tags = [at('b', 5), at('a', 5), at('c', 9), at('B', 1)];
    assert.deepEqual(names(sortTags(tags, 'pushed')), ['c', 'a', 'b', 'B']);
    assert.deepEqual(names(sortTags(tags, 'name')), ['B', 'a', 'b', 'c']);
  });

  it('channel order follows the configured list', () => {
    const tags = [at('stable'), at('canary'), at('beta')];
    assert.deepEqual(names(sortTags(tags, 'version', ['canary', 'beta', 'stable'])), ['canary', 'beta', 'stable']);
  });
});
