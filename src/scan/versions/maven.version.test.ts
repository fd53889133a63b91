import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mavenCanonical, mavenScheme, parseMavenVersion } from './maven.version.ts';
import { assertSameVerdicts, assertVectors, mavenVerdicts, ourVerdict, pairsFrom, seeded, splice, type Pair, type Random, type Vector } from './version-test-kit.ts';

// Maven's ComparableVersionTest qualifier ordering and its documented equalities.
const QUALIFIER_ORDER = ['1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123', '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123'];
const EQUAL: Vector[] = [
  ['1', '=', '1.0'], ['1', '=', '1.0.0'], ['1.0', '=', '1.0.0'], ['1', '=', '1-0'], ['1', '=', '1.0-0'], ['1.0', '=', '1.0-0'],
  ['1a', '=', '1-a'], ['1a', '=', '1.0-a'], ['1a', '=', '1.0.0-a'], ['1x', '=', '1-x'], ['1x', '=', '1.0.0-x'], ['1', '=', '1-ga'],
  ['1', '=', '1-final'], ['1', '=', '1-release'], ['1', '=', '1.ga'], ['1', '=', '1.final'], ['1-cr', '=', '1-rc'], ['1a1', '=', '1-alpha-1'],
  ['1b2', '=', '1-beta-2'], ['1m3', '=', '1-milestone-3'], ['1X', '=', '1x'], ['1A', '=', '1a'], ['1RC1', '=', '1-rc-1'], ['1.0-SNAPSHOT', '=', '1-snapshot'],
];
const ORDERED: Vector[] = [
  ['1.0-alpha-1', '<', '1.0-alpha-2'], ['1.0-alpha', '<', '1.0-beta'], ['1.0-beta', '<', '1.0-milestone'], ['1.0-milestone', '<', '1.0-rc'],
  ['1.0-rc', '<', '1.0-SNAPSHOT'], ['1.0-SNAPSHOT', '<', '1.0'], ['1.0', '<', '1.0-sp'], ['1.0-sp', '<', '1.0-whatever'], ['1.0', '<', '1.0.1'],
  ['1.0.1', '<', '1.1'], ['1.9', '<', '1.10'], ['2.0.0.RELEASE', '<', '2.0.1.RELEASE'], ['5.3.0.Final', '<', '5.3.1.Final'], ['1.2.3-jre', '>', '1.2.3'],
  ['31.1-android', '<', '31.1-jre'], ['9.4.48.v20220622', '<', '9.4.49.v20220914'], ['2.13.4.2', '>', '2.13.4'], ['12345678901234567890', '<', '12345678901234567891'],
];

function gen(r: Random): string {
  let v = String(r.int(0, 12));
  for (let i = r.int(0, 3); i > 0; i--) v += `.${r.pick(['0', '1', '2', '10', '00', '123'])}`;
  const quals = ['alpha', 'beta', 'milestone', 'rc', 'cr', 'SNAPSHOT', 'ga', 'final', 'release', 'sp', 'jre', 'android', 'Final', 'RELEASE', 'a', 'b', 'm', 'x', 'pom'];
  for (let i = r.int(0, 2); i > 0; i--) v += `${r.pick(['-', '.', '', '-'])}${r.pick(quals)}${r.pick(['', '1', '2', '-1', '.0', '10'])}`;
  return v;
}

function mutate(r: Random, v: string): string {
  const out = splice(r, v, ['0', '1', '.', '-', 'a', 'sp', 'rc', 'ga', '', '', '']);
  return out === '' ? '0' : out;
}

describe('Maven versions', () => {
  it("orders ComparableVersionTest's qualifiers and documented examples", () => {
    for (let i = 0; i + 1 < QUALIFIER_ORDER.length; i++) assertVectors(mavenScheme.compare, [[QUALIFIER_ORDER[i]!, '<', QUALIFIER_ORDER[i + 1]!]]);
    assertVectors(mavenScheme.compare, EQUAL);
    assertVectors(mavenScheme.compare, ORDERED);
  });

  it('prints the canonical form Maven prints', () => {
    const canonical = (v: string): string => {
      const p = parseMavenVersion(v);
      assert.ok(p.ok);
      return mavenCanonical(p.value);
    };
    assert.equal(canonical('1.0.0'), '1');
    assert.equal(canonical('1.0-SNAPSHOT'), '1-snapshot');
    assert.equal(canonical('1a1'), '1-alpha-1');
    assert.equal(canonical('2.0.0.RELEASE'), '2');
    assert.equal(mavenScheme.isValid(''), false);
  });

  it("agrees with Maven's own ComparableVersion on the vectors and 900 seeded random pairs", () => {
    const vectorPairs: Pair[] = [...EQUAL, ...ORDERED].map(([a, , b]) => [a, b] as const);
    const pairs = [...vectorPairs, ...pairsFrom(seeded(0x3a7e), 900, gen, mutate)];
    assertSameVerdicts('maven-artifact', pairs, mavenVerdicts(pairs), pairs.map(([a, b]) => ourVerdict(mavenScheme.tryCompare, a, b)));
  });
});
