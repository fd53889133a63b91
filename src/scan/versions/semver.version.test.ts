import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { parseNpmVersion, parseStrictSemVer, semverScheme } from './semver.version.ts';
import { assertSameVerdicts, assertVectors, ourVerdict, pairsFrom, seeded, splice, type Random, type Vector, type Verdict } from './version-test-kit.ts';

// npm's own comparator (node-semver, installed with fastify); the oracle for the property test.
const nodeSemver = createRequire(import.meta.url)('semver') as { compare(a: string, b: string): number };

// semver.org section 11's examples, plus build metadata and numeric identifiers.
const VECTORS: Vector[] = [
  ['1.0.0', '<', '2.0.0'], ['2.0.0', '<', '2.1.0'], ['2.1.0', '<', '2.1.1'],
  ['1.0.0-alpha', '<', '1.0.0-alpha.1'], ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'], ['1.0.0-alpha.beta', '<', '1.0.0-beta'],
  ['1.0.0-beta', '<', '1.0.0-beta.2'], ['1.0.0-beta.2', '<', '1.0.0-beta.11'], ['1.0.0-beta.11', '<', '1.0.0-rc.1'], ['1.0.0-rc.1', '<', '1.0.0'],
  ['1.0.0+build.1', '=', '1.0.0+build.2'], ['1.0.0-rc.1+a', '=', '1.0.0-rc.1'], ['v1.2.3', '=', '1.2.3'], [' 1.2.3 ', '=', '1.2.3'],
  ['1.0.0-2', '<', '1.0.0-10'], ['1.0.0-10', '<', '1.0.0-1a'], ['1.0.0-A', '<', '1.0.0-a'], ['10.0.0', '>', '9.99.99'],
  ['1.0.0-alpha-1', '>', '1.0.0-alpha'], ['1.0.0--', '<', '1.0.0-0a'], ['18446744073709551616.0.0', '>', '18446744073709551615.0.0'],
];

function gen(r: Random): string {
  let v = `${r.int(0, 3)}.${r.int(0, 12)}.${r.int(0, 12)}`;
  if (r.chance(0.5)) {
    const ids = [];
    for (let i = r.int(1, 3); i > 0; i--) ids.push(r.pick(['alpha', 'beta', 'rc', '0', '1', '2', '10', 'x-y', 'A', 'a1', '1a', '-']));
    v += `-${ids.join('.')}`;
  }
  if (r.chance(0.2)) v += `+${r.pick(['build', '001', 'sha.5114f85', 'x'])}`;
  if (r.chance(0.1)) v = `v${v}`;
  return v;
}

function mutate(r: Random, v: string): string {
  return splice(r, v, ['0', '1', '2', '.', '-', '+', 'a', '', '', '']);
}

describe('SemVer (npm) versions', () => {
  it("orders semver.org's precedence examples", () => {
    assertVectors(semverScheme.compare, VECTORS);
  });

  it('refuses what SemVer 2.0.0 refuses', () => {
    for (const v of ['1.2', '1.2.3.4', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3-a..b', '=1.2.3', 'vv1.2.3', '1.2.3 4', '']) {
      assert.equal(semverScheme.isValid(v), false, v);
    }
    assert.equal(parseStrictSemVer('v1.2.3').ok, false);
    assert.deepEqual(parseNpmVersion('v1.2.3-rc.1+b.2'), { ok: true, value: { major: '1', minor: '2', patch: '3', prerelease: ['rc', '1'], build: ['b', '2'] } });
  });

  it('agrees with node-semver on 900 seeded random pairs', () => {
    const pairs = pairsFrom(seeded(0x5e3e), 900, gen, mutate);
    const theirs = pairs.map(([a, b]): Verdict => {
      try {
        return Math.sign(nodeSemver.compare(a, b)) as Verdict;
      } catch {
        return 'error';
      }
    });
    assertSameVerdicts('node-semver', pairs, theirs, pairs.map(([a, b]) => ourVerdict(semverScheme.tryCompare, a, b)));
  });
});
