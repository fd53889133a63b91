import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRpmVersion, rpmScheme, rpmvercmp } from './rpm.version.ts';
import { assertSameVerdicts, assertVectors, ourVerdict, pairsFrom, rpmVerdicts, seeded, splice, type Random, type Vector } from './version-test-kit.ts';

// rpm's own tests/rpmvercmp.at.
const RPMVERCMP: Vector[] = [
  ['1.0', '=', '1.0'], ['1.0', '<', '2.0'], ['2.0.1', '=', '2.0.1'], ['2.0', '<', '2.0.1'], ['2.0.1a', '=', '2.0.1a'],
  ['2.0.1a', '>', '2.0.1'], ['5.5p1', '=', '5.5p1'], ['5.5p1', '<', '5.5p2'], ['5.5p10', '=', '5.5p10'], ['5.5p1', '<', '5.5p10'],
  ['10xyz', '<', '10.1xyz'], ['xyz10', '=', 'xyz10'], ['xyz10', '<', 'xyz10.1'], ['xyz.4', '=', 'xyz.4'], ['xyz.4', '<', '8'],
  ['xyz.4', '<', '2'], ['5.5p2', '<', '5.6p1'], ['5.6p1', '<', '6.5p1'], ['6.0.rc1', '>', '6.0'], ['10b2', '>', '10a1'],
  ['10a2', '<', '10b2'], ['1.0aa', '=', '1.0aa'], ['1.0a', '<', '1.0aa'], ['10.0001', '=', '10.0001'], ['10.0001', '=', '10.1'],
  ['10.0001', '<', '10.0039'], ['4.999.9', '<', '5.0'], ['20101121', '=', '20101121'], ['20101121', '<', '20101122'],
  ['2_0', '=', '2_0'], ['2.0', '=', '2_0'], ['a', '=', 'a'], ['a+', '=', 'a+'], ['a+', '=', 'a_'], ['+a', '=', '+a'], ['+a', '=', '_a'],
  ['+_', '=', '+_'], ['_+', '=', '+_'], ['+', '=', '_'], ['1.0~rc1', '=', '1.0~rc1'], ['1.0~rc1', '<', '1.0'], ['1.0~rc1', '<', '1.0~rc2'],
  ['1.0~rc1~git123', '=', '1.0~rc1~git123'], ['1.0~rc1~git123', '<', '1.0~rc1'], ['1.0^', '=', '1.0^'], ['1.0^', '>', '1.0'],
  ['1.0^git1', '=', '1.0^git1'], ['1.0^git1', '>', '1.0'], ['1.0^git1', '<', '1.0^git2'], ['1.0^git1', '<', '1.01'],
  ['1.0^20160101', '=', '1.0^20160101'], ['1.0^20160101', '<', '1.0.1'], ['1.0^20160101^git1', '=', '1.0^20160101^git1'],
  ['1.0^20160102', '>', '1.0^20160101^git1'], ['1.0~rc1^git1', '=', '1.0~rc1^git1'], ['1.0~rc1^git1', '>', '1.0~rc1'],
  ['1.0^git1~pre', '=', '1.0^git1~pre'], ['1.0^git1', '>', '1.0^git1~pre'],
];

function gen(r: Random): string {
  const atoms = ['0', '1', '2', '9', '10', '01', '007', 'a', 'b', 'rc', 'Z', '.', '.', '_', '+', '~', '^', 'git', 'p'];
  let v = String(r.int(0, 12));
  for (let i = r.int(0, 5); i > 0; i--) v += r.pick(atoms);
  if (r.chance(0.2)) v = `${r.int(0, 3)}:${v}`;
  if (r.chance(0.6)) {
    let rel = String(r.int(1, 5));
    for (let i = r.int(0, 3); i > 0; i--) rel += r.pick(['.el9', '.el8_9', '.fc39', '.1', '~', '^', '.a', 'git']);
    v += `-${rel}`;
  }
  return v;
}

function mutate(r: Random, v: string): string {
  return splice(r, v, ['0', '1', '9', 'a', 'Z', '~', '^', '.', '_', '-', ':', '', '']);
}

describe('rpm versions', () => {
  it("orders rpm's rpmvercmp.at vectors", () => {
    assertVectors(rpmvercmp, RPMVERCMP);
    assertVectors(rpmScheme.compare, RPMVERCMP);
  });

  it('splits [epoch:]version[-release] like parseEVR; a missing release sorts first', () => {
    assert.deepEqual(parseRpmVersion('1:2.3-4.el9'), { ok: true, value: { epoch: '1', version: '2.3', release: '4.el9' } });
    assert.deepEqual(parseRpmVersion('2.3-4-5'), { ok: true, value: { epoch: null, version: '2.3-4', release: '5' } });
    assert.deepEqual(parseRpmVersion(':1.0'), { ok: true, value: { epoch: '0', version: '1.0', release: null } });
    assertVectors(rpmScheme.compare, [
      ['1.0', '<', '1.0-5'],
      ['1.0', '<', '1.0-~'],
      ['0:1.0-1', '=', '1.0-1'],
      ['1:1.0-1', '>', '2.0-1'],
      ['3.0.7-27.el9', '<', '3.0.7-27.el9_5'],
      ['1.2.3-1.el8', '<', '1.2.3-1.el8_9.1'],
      ['2.34-100.el9_4.2', '>', '2.34-100.el9'],
    ]);
    assert.equal(rpmScheme.isValid(''), false);
  });

  it("agrees with rpm's own rpm.vercmp on 600 seeded random pairs", () => {
    const pairs = pairsFrom(seeded(0x59a1), 600, gen, mutate);
    const ours = pairs.map(([a, b]) => ourVerdict(rpmScheme.tryCompare, a, b));
    assertSameVerdicts('rpm', pairs, rpmVerdicts(pairs), ours);
  });
});
