import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dpkgScheme, isStrictDpkgVersion, parseDpkgVersion } from './dpkg.version.ts';
import { assertSameVerdicts, assertVectors, dpkgVerdicts, ourVerdict, pairsFrom, seeded, splice, type Random, type Vector } from './version-test-kit.ts';

// Debian Policy 5.6.12 and dpkg's own t-version.c cases.
const ORDERED: Vector[] = [
  ['1.0~~', '<', '1.0~~a'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0~rc1-1', '<', '1.0-1'],
  ['1.0', '<', '1.0+b1'],
  ['1.0-1', '<', '1.0-1+b1'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0-9', '<', '1.0-10'],
  ['1:0.1', '>', '2.0'],
  ['0:1.0', '=', '1.0'],
  ['1.0-0', '=', '1.0'],
  ['1.0', '=', '1.00'],
  ['1.0', '=', '1.000'],
  ['2.30', '>', '2.3'],
  ['0.9', '<', '0.10'],
  ['1.2.3-1', '<', '1.2.3-1ubuntu1'],
  ['1.2.3-1ubuntu1', '<', '1.2.3-1ubuntu2'],
  ['1.2.3-1ubuntu1', '<', '1.2.3-1.1'],
  ['1.0a', '<', '1.0b'],
  ['1.0Z', '<', '1.0a'],
  ['1.0a', '<', '1.0.'],
  ['1.0+', '<', '1.0.'],
  ['2:1.0', '>', '1:9.9'],
  ['1.0-1-1', '>', '1.0-1'],
  ['1.0-a-1', '>', '1.0-1'],
  ['7.6p2-4', '>', '7.6-0'],
  ['1.0.3-3', '>', '1.0-1'],
  ['1.3', '>', '1.2.2-2'],
  ['1.3', '>', '1.2.2'],
  ['0-pre', '=', '0-pre'],
  ['0-pre', '<', '0-pree'],
  ['1.1.6r2-2', '>', '1.1.6r-1'],
  ['2.6b2-1', '>', '2.6b-2'],
  ['98.1p5-1', '<', '98.1-pre2-b6-2'],
  ['0.4a6-2', '>', '0.4-1'],
  ['1:3.0.5-2', '<', '1:3.0.5.1'],
  ['10.11.1.3-2', '>', '10.11.1.3-1'],
  ['0:0.9.8-1', '<', '0.10'],
];

function gen(r: Random): string {
  const atoms = ['0', '1', '2', '9', '10', '01', '00', 'a', 'b', 'z', 'A', 'Z', '~', '~~', '+', '.', 'rc', 'dfsg', 'ubuntu', 'b'];
  let up = String(r.int(0, 12));
  for (let i = r.int(0, 5); i > 0; i--) up += r.pick(atoms);
  let v = r.chance(0.2) ? `${r.int(0, 3)}:${up}` : up;
  if (r.chance(0.6)) {
    let rev = String(r.int(0, 5));
    for (let i = r.int(0, 3); i > 0; i--) rev += r.pick(['1', '2', '.', '+b', '~', 'ubuntu', 'deb12u', 'a']);
    v += `-${rev}`;
  }
  return v;
}

function mutate(r: Random, v: string): string {
  return splice(r, v, ['0', '1', '9', 'a', 'Z', '~', '+', '.', '-', ':', '', '', '']);
}

describe('dpkg versions', () => {
  it('orders the Debian Policy and dpkg test-suite vectors', () => {
    assertVectors(dpkgScheme.compare, ORDERED);
  });

  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    assert.deepEqual(parseDpkgVersion('1:2.3-4-5'), { ok: true, value: { epoch: 1, upstream: '2.3-4', revision: '5' } });
    assert.deepEqual(parseDpkgVersion('  2.0  '), { ok: true, value: { epoch: 0, upstream: '2.0', revision: '' } });
    assert.deepEqual(parseDpkgVersion('1:2:3'), { ok: true, value: { epoch: 1, upstream: '2:3', revision: '' } });
  });

  it('refuses what dpkg refuses, with its reason, and never throws', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['   ', /empty/],
      ['1.0 1', /embedded spaces/],
      [':1.0', /epoch in version is empty/],
      ['a:1.0', /epoch in version is empty/],
      ['1a:1.0', /not number/],
      ['-1:1.0', /negative/],
      ['99999999999:1.0', /too big/],
      ['1:', /nothing after colon/],
      ['1.0-', /revision number is empty/],
      ['-1', /version number is empty/],
    ];
    for (const [v, why] of bad) {
      const p = parseDpkgVersion(v);
      assert.equal(p.ok, false, v);
      assert.match(p.ok ? '' : p.error, why, v);
      assert.equal(dpkgScheme.isValid(v), false);
    }
    // An unparseable version sorts before every valid one instead of throwing.
    assert.equal(dpkgScheme.compare('1.0-', '0'), -1);
    assert.equal(dpkgScheme.tryCompare('1.0', '1 0').ok, false);
  });

  it('compares like dpkg even where dpkg only warns, and tells policy-valid versions apart', () => {
    assert.equal(dpkgScheme.compare('a1.0', 'b1.0'), -1);
    assert.equal(isStrictDpkgVersion('a1.0'), false);
    assert.equal(isStrictDpkgVersion('1.0_1'), false);
    assert.equal(isStrictDpkgVersion('1:1.0~rc1+dfsg-1ubuntu0.1'), true);
  });

  it('agrees with dpkg --compare-versions on 600 seeded random pairs', () => {
    const pairs = pairsFrom(seeded(0xd9c6), 600, gen, mutate);
    const ours = pairs.map(([a, b]) => ourVerdict(dpkgScheme.tryCompare, a, b));
    assertSameVerdicts('dpkg', pairs, dpkgVerdicts(pairs), ours);
  });
});
