import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGemPrerelease, parseGemVersion, rubygemsScheme } from './rubygems.version.ts';
import { assertSameVerdicts, assertVectors, ourVerdict, pairsFrom, rubygemsVerdicts, seeded, splice, type Random, type Vector } from './version-test-kit.ts';

// RubyGems' test_gem_version.rb (test_spaceship and friends).
const VECTORS: Vector[] = [
  ['1.0', '=', '1.0.0'], ['1.0', '>', '1.0.a'], ['1.8.2', '>', '0.0.0'], ['1.8.2', '>', '1.8.2.a'], ['1.8.2.b', '>', '1.8.2.a'],
  ['1.8.2.a10', '>', '1.8.2.a9'], ['', '=', '0'], ['0.beta.1', '=', '0.0.beta.1'], ['0.0.beta', '<', '0.0.beta.1'], ['0.0.beta', '<', '0.beta.1'],
  ['5.a', '<', '5.0.0.rc2'], ['5.x', '>', '5.0.0.rc2'], ['1.0.0.a', '<', '1.0.0.b'], ['1.0.0.b', '<', '1.0.0.rc1'], ['1.0.0.rc1', '<', '1.0.0'],
  ['1.0.0-rc1', '=', '1.0.0.pre.rc1'], ['1.2.3', '<', '1.2.10'], ['2.0.0.rc2', '<', '2.0.0'], ['1.0.A', '<', '1.0.a'], [' 1.0 ', '=', '1'],
];

function gen(r: Random): string {
  let v = String(r.int(0, 5));
  for (let i = r.int(0, 3); i > 0; i--) v += `.${r.pick(['0', '1', '2', '10', '00', 'a', 'b', 'rc1', 'pre', 'beta2', 'x', 'A'])}`;
  if (r.chance(0.15)) v += `-${r.pick(['rc1', 'alpha', '1', 'beta.2', 'x-y'])}`;
  if (r.chance(0.05)) v = ` ${v} `;
  return v;
}

function mutate(r: Random, v: string): string {
  return splice(r, v, ['0', '1', '.', '-', 'a', 'rc', 'Z', ' ', '', '', '']);
}

describe('RubyGems versions', () => {
  it("orders RubyGems' own test vectors", () => {
    assertVectors(rubygemsScheme.compare, VECTORS);
  });

  it('refuses malformed versions and tells prereleases', () => {
    for (const v of ['junk', '1.0\n2.0', '1..2', '1.2 3.4', '-1', '1.0-', 'v1.0', '1.0+build']) assert.equal(rubygemsScheme.isValid(v), false, JSON.stringify(v));
    const pre = parseGemVersion('1.0.0-rc1');
    assert.ok(pre.ok && isGemPrerelease(pre.value));
    const rel = parseGemVersion('1.0.0');
    assert.ok(rel.ok && !isGemPrerelease(rel.value));
  });

  it("agrees with Ruby's Gem::Version on 900 seeded random pairs", () => {
    const pairs = pairsFrom(seeded(0x6e3), 900, gen, mutate);
    assertSameVerdicts('Gem::Version', pairs, rubygemsVerdicts(pairs), pairs.map(([a, b]) => ourVerdict(rubygemsScheme.tryCompare, a, b)));
  });
});
