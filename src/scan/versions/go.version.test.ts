import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goScheme, isGoPseudoVersion, parseGoToolchainVersion } from './go.version.ts';
import { assertVectors } from './version-test-kit.ts';

// golang.org/x/mod/semver's semver_test.go ordered list: each is less than the next.
const ORDERED = [
  'v0.0.0-20191109021931-daa7c04131f5', 'v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta', 'v1.0.0-beta.2', 'v1.0.0-beta.11',
  'v1.0.0-rc.1', 'v1', 'v1.2', 'v1.2.3-456', 'v1.2.3-456.789', 'v1.2.3-456-789', 'v1.2.3-456a', 'v1.2.3-pre', 'v1.2.3-pre.1', 'v1.2.3-zzz', 'v1.2.3',
];
const INVALID = ['bad', 'v1-alpha.beta.gamma', 'v1-pre', 'v1+meta', 'v1-pre+meta', 'v1.2-pre', 'v1.2+meta', 'v1.2-pre+meta', 'v01.2.3', 'v1.2.3-01', 'vv1.2.3', ''];

describe('Go versions', () => {
  it("orders x/mod/semver's test list, with v1 = v1.0.0 and v1.2 = v1.2.0", () => {
    for (let i = 0; i + 1 < ORDERED.length; i++) assertVectors(goScheme.compare, [[ORDERED[i]!, '<', ORDERED[i + 1]!]]);
    assertVectors(goScheme.compare, [['v1', '=', 'v1.0.0'], ['v1.2', '=', 'v1.2.0'], ['v1.2.3+meta', '=', 'v1.2.3'], ['v1.2.3+meta-pre', '=', 'v1.2.3+meta-pre.sha.256a']]);
    for (const v of INVALID) assert.equal(goScheme.isValid(v), false, v);
  });

  it('orders pseudo-versions by base version, then commit time, and ignores +incompatible', () => {
    assertVectors(goScheme.compare, [
      ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.0-20200101000000-aaaaaaaaaaaa'],
      ['v0.0.0-20200101000000-aaaaaaaaaaaa', '<', 'v0.1.0'],
      ['v1.2.3', '<', 'v1.2.4-0.20191109021931-daa7c04131f5'],
      ['v1.2.4-0.20191109021931-daa7c04131f5', '<', 'v1.2.4'],
      ['v1.2.4-pre', '<', 'v1.2.4-pre.0.20191109021931-daa7c04131f5'],
      ['v1.2.4-pre.0.20191109021931-daa7c04131f5', '<', 'v1.2.4-pre.1'],
      ['v2.0.0+incompatible', '=', 'v2.0.0'],
      ['v2.0.0+incompatible', '<', 'v2.0.1+incompatible'],
      ['v1.2.3', '=', '1.2.3'],
    ]);
    for (const v of ['v0.0.0-20191109021931-daa7c04131f5', 'v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4-pre.0.20191109021931-daa7c04131f5', 'v2.0.1-0.20191109021931-daa7c04131f5+incompatible']) {
      assert.equal(isGoPseudoVersion(v), true, v);
    }
    for (const v of ['v1.2.3', 'v1.2.3-pre', 'v0.0.0-2019110902193-daa7c04131f5', 'v1.2.3-20191109021931-daa7c04131f5']) assert.equal(isGoPseudoVersion(v), false, v);
  });

  it('maps Go release names to SemVer as the Go vulnerability database does', () => {
    assert.deepEqual(parseGoToolchainVersion('go1.21rc1'), { ok: true, value: { major: '1', minor: '21', patch: '0', prerelease: ['rc', '1'], build: [] } });
    assertVectors(goScheme.compare, [
      ['go1.21.3', '=', '1.21.3'], ['go1.21rc1', '=', '1.21.0-rc.1'], ['go1.20', '=', '1.20.0'], ['go1', '=', 'v1.0.0'],
      ['go1.9beta2', '<', 'go1.9rc1'], ['go1.9rc1', '<', 'go1.9'], ['go1.21rc1', '<', 'go1.21.0'], ['go1.21.3', '<', 'go1.22rc1'], ['go1.21.10', '>', 'go1.21.9'],
    ]);
    for (const v of ['go', 'go1.21.x', 'go1.21-rc1', 'go01.2', 'gox']) assert.equal(goScheme.isValid(v), false, v);
  });
});
