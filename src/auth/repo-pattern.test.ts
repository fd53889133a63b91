import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { matchesRepoPattern, parseRepoPattern, storedPatternMatches } from './repo-pattern.ts';

// [pattern, path, matches]
const CASES: [string, string, boolean][] = [
  ['**', '', true],
  ['**', 'api', true],
  ['**', 'api/server/v2', true],
  ['*', 'api', true],
  ['*', '', false],
  ['*', 'api/server', false],
  ['api', 'api', true],
  ['api', 'api2', false],
  ['api', 'api/server', false],
  ['frontend/*', 'frontend/web', true],
  ['frontend/*', 'frontend', false],
  ['frontend/*', 'frontend/web/admin', false],
  ['frontend/*', 'backend/web', false],
  ['frontend/**', 'frontend', true],
  ['frontend/**', 'frontend/web/admin', true],
  ['frontend/**', 'frontends/web', false],
  ['**/base', 'base', true],
  ['**/base', 'os/debian/base', true],
  ['**/base', 'os/debian/base/x', false],
  ['*/builds/**', 'acme/builds', true],
  ['*/builds/**', 'acme/builds/nightly/x', true],
  ['*/builds/**', 'builds/x', false],
  ['web-*', 'web-admin', true],
  ['web-*', 'web-', true],
  ['web-*', 'web', false],
  ['web-*', 'api-web-admin', false],
  ['*-api', 'billing-api', true],
  ['a.b', 'a.b', true],
  ['a.b', 'axb', false],
  ['**/**', 'x/y', true],
  ['a/**/z', 'a/z', true],
  ['a/**/z', 'a/b/c/z', true],
  ['a/**/z', 'a/b/c/y', false],
];

describe('repository patterns', () => {
  for (const [pattern, path, expected] of CASES) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} '${path}'`, () => {
      assert.equal(matchesRepoPattern(parseRepoPattern(pattern), path), expected);
      assert.equal(storedPatternMatches(pattern, path), expected);
    });
  }

  it('refuses malformed patterns', () => {
    for (const bad of ['', 'a//b', '/a', 'a/', 'A', 'a**', '***', 'a b', 'a/../b?', 'x'.repeat(256)]) {
      assert.throws(() => parseRepoPattern(bad), (err) => isBerthError(err, 'BAD_REQUEST'), bad);
    }
  });

  it('lets a stored malformed pattern match nothing instead of throwing', () => {
    assert.equal(storedPatternMatches('a**', 'a'), false);
    assert.equal(storedPatternMatches('', ''), false);
  });

  it('handles patterns with many ** components', () => {
    const pattern = parseRepoPattern(Array(40).fill('**').join('/') + '/x');
    const path = Array(60).fill('a').join('/');
    assert.equal(matchesRepoPattern(pattern, path), false);
    assert.equal(matchesRepoPattern(pattern, `${path}/x`), true);
  });
});
