import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseOsvRecord, type OsvRecord } from '../osv/osv-record.schema.ts';
import { cvss3BaseScore, roundup31 } from './cvss3.ts';
import { cvss4Score } from './cvss4.ts';
import { ratingOfScore, ratingOfWord, recordSeverity } from './severity.ts';

function fixture(): Array<[string, number]> {
  return readFileSync(new URL('./testdata/cvss-scores.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [vector, score] = l.split(' ');
      return [vector!, Number(score)];
    });
}

const score3 = (v: string): number => {
  const r = cvss3BaseScore(v);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value.baseScore;
};
const score4 = (v: string): number => {
  const r = cvss4Score(v);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value.baseScore;
};

describe('CVSS v3.x base scores', () => {
  it("scores the CVSS v3.1 specification's examples document and NVD-published vectors", () => {
    const cases: Array<[string, number]> = [
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1], // CVE-2013-1937
      ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4], // CVE-2013-0375
      ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1], // CVE-2014-3566
      ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9], // CVE-2012-1516
      ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2], // CVE-2009-0783
      ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8], // CVE-2012-0384
      ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8], // CVE-2015-1098
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5], // CVE-2014-0160
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8], // CVE-2014-6271
      ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N', 6.8], // CVE-2008-1447
      ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8], // CVE-2014-2005
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8], // CVE-2010-0467
      ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H', 9.3], // CVE-2013-6014
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0], // CVE-2021-44228 (NVD)
      ['CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', 7.2], // CVE-2021-23337 (NVD)
      ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R/CR:L', 9.8],
    ];
    for (const [v, s] of cases) assert.equal(score3(v), s, v);
  });

  it("uses 3.1's float-safe Roundup and 3.0's plain ceiling", () => {
    assert.equal(roundup31(4.000000000000001), 4.0);
    assert.equal(roundup31(4.02), 4.1);
    assert.equal(score3('CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:H/I:N/A:H'), 7.5);
  });

  it('refuses malformed vectors with the reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /missing base metrics A/],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H', /twice/],
      ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /invalid value/],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1', /unknown metric/],
      ['AV:N/AC:L/Au:N/C:P/I:P/A:P', /not a CVSS v3/],
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/constructor:x', /unknown metric/],
    ];
    for (const [v, why] of bad) {
      const r = cvss3BaseScore(v);
      assert.equal(r.ok, false, v);
      assert.match(r.ok ? '' : r.error, why, v);
    }
  });
});

describe('CVSS v4.0 scores', () => {
  it('scores well-known vectors, including a half-up tie', () => {
    assert.equal(score4('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 9.3);
    assert.equal(score4('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H'), 10);
    assert.equal(score4('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N'), 0);
    assert.equal(score4('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A'), 8.7);
    assert.equal(score4('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H'), 8.6);
  });

  it('matches the independently computed scores of 459 v4.0 and 400 v3.x vectors', () => {
    const rows = fixture();
    assert.ok(rows.length > 800);
    const wrong = rows.filter(([v, s]) => (v.startsWith('CVSS:4.0') ? score4(v) : score3(v)) !== s);
    assert.deepEqual(wrong.slice(0, 10), []);
  });

  it('refuses vectors missing base metrics or with values of the wrong version', () => {
    assert.equal(cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N').ok, false);
    assert.equal(cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N').ok, false);
    assert.equal(cvss4Score('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').ok, false);
  });
});

describe('severity ratings and fallbacks', () => {
  const rec = (extra: Record<string, unknown>): OsvRecord => {
    const p = parseOsvRecord({ id: 'X-1', modified: '2024-01-01T00:00:00Z', ...extra });
    assert.ok(p.ok);
    return p.value;
  };

  it('maps scores to the qualitative scale at its boundaries', () => {
    assert.deepEqual([0, 0.1, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10].map(ratingOfScore), ['none', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
    assert.deepEqual(['MODERATE', 'important', 'unimportant', 'not yet assigned', 'Negligible', 'bogus'].map(ratingOfWord), ['medium', 'high', 'low', 'unknown', 'low', undefined]);
  });

  it('prefers a CVSS v4 vector, then v3, then database-specific words', () => {
    const both = rec({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }, { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }] });
    assert.deepEqual(recordSeverity(both), { rating: 'critical', score: 9.3, source: 'CVSS_V4', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' });
    const v3 = rec({ severity: [{ type: 'CVSS_V4', score: 'garbage' }, { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }] });
    assert.equal(recordSeverity(v3).score, 7.2);
    assert.deepEqual(recordSeverity(rec({ database_specific: { severity: 'MODERATE', cwe_ids: [] } })), { rating: 'medium', source: 'database_specific' });
    assert.deepEqual(recordSeverity(rec({ affected: [{ package: { ecosystem: 'Debian:12', name: 'x' }, database_specific: { urgency: 'unimportant' } }] })), { rating: 'unknown', source: 'none' });
    const debian = rec({ affected: [{ package: { ecosystem: 'Debian:12', name: 'x' }, database_specific: { urgency: 'high' } }] });
    assert.deepEqual(recordSeverity(debian, debian.affected![0]), { rating: 'high', source: 'database_specific' });
    assert.deepEqual(recordSeverity(rec({ severity: [{ type: 'Ubuntu', score: 'medium' }] })), { rating: 'medium', source: 'Ubuntu' });
    assert.deepEqual(recordSeverity(rec({})), { rating: 'unknown', source: 'none' });
  });
});
