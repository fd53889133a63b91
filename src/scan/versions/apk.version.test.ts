import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apkCompare, apkScheme, isApkVersionValid } from './apk.version.ts';
import { assertVectors, pairsFrom, seeded, type Random, type Vector } from './version-test-kit.ts';

function loadVectors(): Vector[] {
  const text = readFileSync(new URL('./testdata/apk-version.data', import.meta.url), 'utf8');
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [a, op, b] = line.split(/\s+/);
      assert.ok(a && b && (op === '<' || op === '=' || op === '>'), `bad fixture line: ${line}`);
      return [a, op, b] as const;
    });
}

describe('apk versions', () => {
  it("orders every vector of apk-tools' test/version.data", () => {
    const vectors = loadVectors();
    assert.ok(vectors.length > 350);
    assertVectors(apkCompare, vectors);
  });

  it('orders suffixes _alpha < _beta < _pre < _rc < release < _cvs < _svn < _git < _hg < _p', () => {
    const chain = ['1.0_alpha', '1.0_alpha1', '1.0_beta', '1.0_beta2', '1.0_pre1', '1.0_rc1', '1.0_rc10', '1.0', '1.0_cvs', '1.0_svn', '1.0_git20240101', '1.0_hg', '1.0_p1', '1.0_p2', '1.0a', '1.0b', '1.0.1'];
    for (let i = 0; i + 1 < chain.length; i++) assertVectors(apkCompare, [[chain[i]!, '<', chain[i + 1]!]]);
  });

  it('orders -rN revisions numerically and after the bare version', () => {
    assertVectors(apkCompare, [
      ['1.2.3', '<', '1.2.3-r0'],
      ['1.2.3-r0', '<', '1.2.3-r1'],
      ['1.2.3-r9', '<', '1.2.3-r10'],
      ['1.2.3-r10', '<', '1.2.4-r0'],
      ['3.0.15-r0', '<', '3.1.4-r5'],
      ['1.36.1-r15', '<', '1.36.1-r29'],
      ['1.2.3_rc1-r5', '<', '1.2.3-r0'],
      ['1.0_rc1', '<', '1.0'],
    ]);
  });

  it('compares dotted components with a leading zero as strings, and commit hashes as strings', () => {
    assertVectors(apkCompare, [
      ['1.02', '<', '1.1'],
      ['1.0', '<', '1.00'],
      ['1.010', '>', '1.01'],
      ['010', '=', '10'],
      ['1.0_git20240101~abc1-r0', '<', '1.0_git20240101~abc2-r0'],
      ['1.0~abc', '>', '1.0_rc1'],
    ]);
    assert.equal(isApkVersionValid('1.0_git20240101~0a1b2c-r3'), true);
    assert.equal(isApkVersionValid('1.0~-r3'), false);
  });

  it('validates the grammar as apk_version_validate does', () => {
    for (const v of ['1', '1.2.3', '1.2.3a', '1.2.3_rc1', '1.2.3_p1-r2', '1.0_alpha_pre2', '2.12r-r4', '0.1.0_alpha_pre2-r10']) {
      assert.equal(isApkVersionValid(v), true, v);
    }
    for (const v of ['', 'a1', '1.0bc', '1.0-1', '1.0_foo', '1..2', '1.0-r', '1.0_rc1a', '1.0-r1.1', 'v1.0']) {
      assert.equal(isApkVersionValid(v), false, v);
    }
    // apk still compares a version it would not accept, so the scheme does too (only "" is refused).
    assert.equal(apkScheme.isValid('1.0bc'), true);
    assert.equal(apkScheme.isValid(''), false);
  });

  it('is a consistent order on 3000 seeded random pairs (antisymmetric, reflexive, transitive on triples)', () => {
    const gen = (r: Random): string => {
      let v = String(r.int(0, 12));
      for (let i = r.int(0, 3); i > 0; i--) v += `.${r.pick(['0', '00', '1', '2', '10', '05'])}`;
      if (r.chance(0.2)) v += r.pick(['a', 'b', 'z']);
      for (let i = r.int(0, 2); i > 0; i--) v += `_${r.pick(['alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'])}${r.pick(['', '1', '2', '20240101'])}`;
      if (r.chance(0.5)) v += `-r${r.int(0, 12)}`;
      return v;
    };
    const mutate = (r: Random, v: string): string => {
      const pos = r.int(0, v.length);
      return v.slice(0, pos) + r.pick(['0', '1', '.', '_p', '_rc', '-r1', 'a', '']) + v.slice(pos + r.int(0, 1));
    };
    const r = seeded(0xa1f1e);
    const pairs = pairsFrom(r, 3000, gen, mutate);
    for (const [a, b] of pairs) {
      assert.equal(apkCompare(a, a), 0, a);
      assert.equal(apkCompare(a, b), -apkCompare(b, a) || 0, `${a} vs ${b}`);
    }
    const valid = pairs.flat().filter(isApkVersionValid);
    for (let i = 0; i + 2 < valid.length; i += 3) {
      const [x, y, z] = [valid[i]!, valid[i + 1]!, valid[i + 2]!].sort(apkCompare) as [string, string, string];
      assert.ok(apkCompare(x, y) <= 0 && apkCompare(y, z) <= 0 && apkCompare(x, z) <= 0, `${x} <= ${y} <= ${z} but ${x} > ${z}`);
    }
  });
});
