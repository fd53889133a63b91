import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePep440, normalizePypiName, parsePep440Version, pep440Scheme } from './pep440.version.ts';
import { assertSameVerdicts, ourVerdict, packagingCanonicalNames, packagingNormalForms, packagingVerdicts, pairsFrom, seeded, splice, type Random } from './version-test-kit.ts';

// packaging's tests/test_version.py VERSIONS list, ascending.
const ASCENDING = [
  '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456', '1.0b2.post345',
  '1.0b2-346', '1.0c1.dev456', '1.0c1', '1.0rc2', '1.0c3', '1.0', '1.0.post456.dev34', '1.0.post456', '1.1.dev1', '1.2+123abc',
  '1.2+123abc456', '1.2+abc', '1.2+abc123', '1.2+abc123def', '1.2+1234.abc', '1.2+123456', '1.2.r32+123456', '1.2.rev33+123456',
  '1!1.0.dev456', '1!1.0a1', '1!1.0a2.dev456', '1!1.0a12.dev456', '1!1.0a12', '1!1.0b1.dev456', '1!1.0b2', '1!1.0b2.post345.dev456',
  '1!1.0b2.post345', '1!1.0b2-346', '1!1.0c1.dev456', '1!1.0c1', '1!1.0rc2', '1!1.0c3', '1!1.0', '1!1.0.post456.dev34', '1!1.0.post456',
  '1!1.1.dev1', '1!1.2+123abc', '1!1.2+123abc456', '1!1.2+abc', '1!1.2+abc123', '1!1.2+abc123def', '1!1.2+1234.abc', '1!1.2+123456',
  '1!1.2.r32+123456', '1!1.2.rev33+123456',
];

function gen(r: Random): string {
  let v = r.chance(0.1) ? `${r.int(0, 2)}!` : '';
  v += String(r.int(0, 3));
  for (let i = r.int(0, 3); i > 0; i--) v += `.${r.pick(['0', '1', '2', '10', '01'])}`;
  const sep = (): string => r.pick(['', '', '.', '-', '_']);
  if (r.chance(0.4)) v += `${sep()}${r.pick(['a', 'b', 'c', 'rc', 'alpha', 'beta', 'pre', 'preview', 'RC'])}${sep()}${r.pick(['', '0', '1', '2', '11'])}`;
  if (r.chance(0.3)) v += r.chance(0.3) ? `-${r.int(0, 3)}` : `${sep()}${r.pick(['post', 'rev', 'r', 'POST'])}${sep()}${r.pick(['', '0', '1', '2'])}`;
  if (r.chance(0.3)) v += `${sep()}${r.pick(['dev', 'DEV'])}${sep()}${r.pick(['', '0', '1', '3'])}`;
  if (r.chance(0.2)) v += `+${r.pick(['ubuntu', 'abc', '1', '01', 'cpu', 'cu118'])}${r.pick(['', '.1', '-2', '_x', '.ABC'])}`;
  if (r.chance(0.05)) v = `v${v}`;
  if (r.chance(0.05)) v = ` ${v}\t`;
  return v;
}

function mutate(r: Random, v: string): string {
  return splice(r, v, ['0', '1', '.', '-', '_', 'a', 'b', 'rc', 'post', 'dev', '+', '!', '', '', '']);
}

describe('PEP 440 (PyPI) versions', () => {
  it("orders packaging's own ascending test list", () => {
    for (let i = 0; i < ASCENDING.length; i++) {
      for (let j = 0; j < ASCENDING.length; j++) {
        assert.equal(pep440Scheme.compare(ASCENDING[i]!, ASCENDING[j]!), Math.sign(i - j) || 0, `${ASCENDING[i]} vs ${ASCENDING[j]}`);
      }
    }
  });

  it('normalises as packaging does and refuses non-PEP 440 strings', () => {
    const p = parsePep440Version('V1.0-ALPHA_1.POST-2.dev_3+Ubuntu-1');
    assert.ok(p.ok);
    assert.equal(normalizePep440(p.value), '1.0a1.post2.dev3+ubuntu.1');
    for (const v of ['1.0-', 'foo', '1.0+', '1.0+a..b', '1..0', '1.0.post.post', '1.0a1a2', '0x10', '', '1.0 1']) assert.equal(pep440Scheme.isValid(v), false, v);
  });

  it("agrees with Python's packaging.version on 900 seeded random pairs, and on normal forms", () => {
    const pairs = pairsFrom(seeded(0x440), 900, gen, mutate);
    assertSameVerdicts('packaging', pairs, packagingVerdicts(pairs), pairs.map(([a, b]) => ourVerdict(pep440Scheme.tryCompare, a, b)));
    const valid = [...new Set(pairs.flat())].filter((v) => pep440Scheme.isValid(v));
    assert.ok(valid.length > 500);
    const ours = valid.map((v) => {
      const parsed = parsePep440Version(v);
      return parsed.ok ? normalizePep440(parsed.value) : 'invalid';
    });
    assert.deepEqual(ours, packagingNormalForms(valid));
  });

  it('normalises package names per PEP 503, as packaging.utils.canonicalize_name does', () => {
    const names = ['Django', 'zope.interface', 'Foo__Bar', 'foo-.-bar', 'A_B.C-D', 'ruamel.yaml', 'typing_extensions', 'PyYAML', 'a'];
    assert.deepEqual(names.map(normalizePypiName), packagingCanonicalNames(names));
    assert.equal(normalizePypiName('Foo__Bar'), 'foo-bar');
  });
});
