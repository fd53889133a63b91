import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aliasIds, evaluateRange, evaluateRecord, isAffected, refersTo } from './affected.ts';
import { parseOsvRecord, type OsvRecord, type OsvRange } from './osv-record.schema.ts';
import { semverScheme } from '../versions/semver.version.ts';
import { dpkgScheme } from '../versions/dpkg.version.ts';

function record(json: Record<string, unknown>): OsvRecord {
  const parsed = parseOsvRecord({ modified: '2024-01-01T00:00:00Z', ...json });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.value;
}

const range = (type: string, ...events: Array<Record<string, string>>): OsvRange => ({ type, events });

describe('OSV range evaluation', () => {
  const inRange = (r: OsvRange, v: string): boolean => {
    const res = evaluateRange(r, v, semverScheme);
    assert.ok(res.ok, res.ok ? '' : res.error);
    return res.affected;
  };

  it('introduced: "0" opens from the beginning; fixed closes at the fix', () => {
    const r = range('SEMVER', { introduced: '0' }, { fixed: '1.2.3' });
    assert.equal(inRange(r, '0.0.1'), true);
    assert.equal(inRange(r, '1.2.3-rc.1'), true);
    assert.equal(inRange(r, '1.2.3'), false);
    assert.equal(inRange(r, '2.0.0'), false);
  });

  it('sorts events by version before walking them, over several introduced/fixed pairs', () => {
    const r = range('SEMVER', { fixed: '2.5.0' }, { introduced: '2.0.0' }, { fixed: '1.5.0' }, { introduced: '1.0.0' });
    const got = ['0.9.0', '1.0.0', '1.4.9', '1.5.0', '1.9.9', '2.0.0', '2.4.0', '2.5.0', '3.0.0'].map((v) => inRange(r, v));
    assert.deepEqual(got, [false, true, true, false, false, true, true, false, false]);
  });

  it('last_affected includes its own version; an open-ended introduced stays open', () => {
    assert.deepEqual(['1.0.0', '1.3.0', '1.3.1'].map((v) => inRange(range('SEMVER', { introduced: '1.0.0' }, { last_affected: '1.3.0' }), v)), [true, true, false]);
    assert.deepEqual(['0.1.0', '99.0.0'].map((v) => inRange(range('SEMVER', { introduced: '0.2.0' }), v)), [false, true]);
  });

  it('limit bounds the range from above; "*" is no bound', () => {
    const r = range('SEMVER', { introduced: '0' }, { limit: '2.0.0' });
    assert.equal(inRange(r, '1.9.0'), true);
    assert.equal(inRange(r, '2.0.0'), false);
    assert.equal(inRange(range('SEMVER', { introduced: '1.0.0' }, { limit: '*' }), '5.0.0'), true);
  });

  it('an introduced and a fixed at the same version make an empty range, in either order', () => {
    assert.equal(inRange(range('SEMVER', { introduced: '1.0.0' }, { fixed: '1.0.0' }), '1.0.0'), false);
    assert.equal(inRange(range('SEMVER', { fixed: '1.0.0' }, { introduced: '1.0.0' }), '1.0.0'), false);
  });

  it('reports unparseable versions instead of guessing', () => {
    assert.equal(evaluateRange(range('SEMVER', { introduced: '0' }, { fixed: '1.0' }), '0.5.0', semverScheme).ok, false);
    assert.equal(evaluateRange(range('ECOSYSTEM', { introduced: '0' }), '1.0 1', dpkgScheme).ok, false);
  });
});

describe('OSV record matching', () => {
  const lodash = record({
    id: 'GHSA-35jh-r3h4-6jhm',
    aliases: ['CVE-2021-23337'],
    affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
    database_specific: { severity: 'HIGH' },
    some_future_field: { kept: true },
  });

  it('matches npm by exact name and SemVer range', () => {
    assert.equal(isAffected(lodash, 'npm', 'lodash', '4.17.20'), true);
    assert.equal(isAffected(lodash, 'npm', 'lodash', '4.17.21'), false);
    assert.equal(isAffected(lodash, 'npm', 'Lodash', '4.17.20'), false);
    assert.equal(isAffected(lodash, 'PyPI', 'lodash', '4.17.20'), false);
    assert.deepEqual(evaluateRecord(lodash, { ecosystem: 'npm', name: 'lodash', version: '4.17.21' }), { status: 'not-affected', reason: 'outside-ranges' });
    assert.deepEqual(evaluateRecord(lodash, { ecosystem: 'npm', name: 'underscore', version: '1.0.0' }), { status: 'not-affected', reason: 'no-matching-package' });
    const scoped = record({ id: 'GHSA-x', affected: [{ package: { ecosystem: 'npm', name: '@babel/traverse' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '7.23.2' }] }] }] });
    assert.equal(isAffected(scoped, 'npm', '@babel/traverse', '7.23.0'), true);
    assert.equal(isAffected(scoped, 'npm', 'traverse', '7.23.0'), false);
  });

  it('matches PyPI names by PEP 503 and versions lists by PEP 440 equality', () => {
    const pillow = record({
      id: 'PYSEC-2022-1',
      affected: [{ package: { ecosystem: 'PyPI', name: 'Pillow' }, versions: ['9.0.0', '9.0.1'], ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '8.0.0' }, { fixed: '8.4.0' }] }] }],
    });
    assert.equal(isAffected(pillow, 'PyPI', 'pillow', '9.0.0'), true);
    assert.equal(isAffected(pillow, 'PyPI', 'PILLOW', '9.0'), true);
    assert.equal(isAffected(pillow, 'PyPI', 'pillow', '9.0.2'), false);
    assert.equal(isAffected(pillow, 'PyPI', 'pillow', '8.4.0rc1'), true);
    assert.equal(isAffected(pillow, 'PyPI', 'pillow', '8.4.0'), false);
    const zope = record({ id: 'PYSEC-2', affected: [{ package: { ecosystem: 'PyPI', name: 'zope.interface' }, versions: ['5.0'] }] });
    assert.equal(isAffected(zope, 'PyPI', 'Zope_Interface', '5.0.0'), true);
  });

  it('matches a Debian release to the detected OS release, with dpkg ordering', () => {
    const dsa = record({
      id: 'DSA-5532-1',
      upstream: ['CVE-2023-5363'],
      affected: [
        { package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }] },
        { package: { ecosystem: 'Debian:11', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1w-0+deb11u1' }] }] },
      ],
    });
    const q = (release: string | undefined, version: string): string => evaluateRecord(dsa, { ecosystem: 'Debian', release, name: 'openssl', version }).status;
    assert.equal(q('12', '3.0.11-1~deb12u1'), 'affected');
    assert.equal(q('12', '3.0.11-1~deb12u2'), 'not-affected');
    assert.equal(q('12', '3.0.11-1'), 'not-affected');
    assert.equal(q('11', '1.1.1n-0+deb11u5'), 'affected');
    assert.equal(q('11', '3.0.11-1~deb12u1'), 'not-affected');
    assert.equal(q('10', '1.1.1n-0+deb10u1'), 'not-affected');
    // An image whose release could not be read is matched against every release.
    assert.equal(q(undefined, '1.1.1n-0+deb11u5'), 'affected');
    assert.equal(isAffected(dsa, 'Debian:12', 'openssl', '3.0.9-1'), true);
    assert.equal(refersTo(dsa, 'cve-2023-5363'), true);
  });

  it('matches Alpine:v3.19 to VERSION_ID 3.19.x and Ubuntu LTS and Pro releases separately', () => {
    const alpine = record({ id: 'ALPINE-CVE-1', affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.1.4-r5' }] }] }] });
    assert.equal(evaluateRecord(alpine, { ecosystem: 'Alpine', release: '3.19.1', name: 'openssl', version: '3.1.4-r4' }).status, 'affected');
    assert.equal(evaluateRecord(alpine, { ecosystem: 'Alpine', release: '3.19.1', name: 'openssl', version: '3.1.4-r5' }).status, 'not-affected');
    assert.equal(evaluateRecord(alpine, { ecosystem: 'Alpine', release: '3.18.4', name: 'openssl', version: '3.1.4-r4' }).status, 'not-affected');
    assert.equal(evaluateRecord(alpine, { ecosystem: 'Alpine', release: '3.19.1', name: 'openssl', version: '3.1.4_rc1-r9' }).status, 'affected');

    const ubuntu = record({
      id: 'UBUNTU-CVE-2024-1',
      affected: [
        { package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'curl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '7.81.0-1ubuntu1.16' }] }] },
        { package: { ecosystem: 'Ubuntu:Pro:18.04:LTS', name: 'curl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '7.58.0-2ubuntu3.24+esm4' }] }] },
      ],
    });
    assert.equal(evaluateRecord(ubuntu, { ecosystem: 'Ubuntu', release: '22.04', name: 'curl', version: '7.81.0-1ubuntu1.15' }).status, 'affected');
    assert.equal(evaluateRecord(ubuntu, { ecosystem: 'Ubuntu', release: '22.04', name: 'curl', version: '7.81.0-1ubuntu1.16' }).status, 'not-affected');
    assert.equal(evaluateRecord(ubuntu, { ecosystem: 'Ubuntu', release: '18.04', name: 'curl', version: '7.58.0-2ubuntu3.24' }).status, 'not-affected');
    assert.equal(evaluateRecord(ubuntu, { ecosystem: 'Ubuntu', release: '18.04', variant: 'Pro', name: 'curl', version: '7.58.0-2ubuntu3.24' }).status, 'affected');
  });

  it('evaluates Go modules (pseudo-versions, v prefix) and the standard library (go1.x)', () => {
    const go = record({
      id: 'GO-2023-2185',
      affected: [
        { package: { ecosystem: 'Go', name: 'stdlib' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.20.11' }, { introduced: '1.21.0-0' }, { fixed: '1.21.4' }] }] },
        { package: { ecosystem: 'Go', name: 'golang.org/x/net' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }] },
      ],
    });
    assert.equal(isAffected(go, 'Go', 'stdlib', 'go1.20.10'), true);
    assert.equal(isAffected(go, 'Go', 'stdlib', 'go1.20.11'), false);
    assert.equal(isAffected(go, 'Go', 'stdlib', 'go1.21rc2'), true);
    assert.equal(isAffected(go, 'Go', 'stdlib', 'go1.21.4'), false);
    assert.equal(isAffected(go, 'Go', 'golang.org/x/net', 'v0.0.0-20220722155237-a158d28d115b'), true);
    assert.equal(isAffected(go, 'Go', 'golang.org/x/net', 'v0.17.0'), false);
    assert.equal(isAffected(go, 'Go', 'golang.org/x/Net', 'v0.1.0'), false);
  });

  it('evaluates Maven group:artifact with ComparableVersion ordering', () => {
    const log4shell = record({
      id: 'GHSA-jfh8-c2jp-5v3q',
      aliases: ['CVE-2021-44228'],
      affected: [{ package: { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.3.1' }, { introduced: '2.4' }, { fixed: '2.12.2' }, { introduced: '2.13.0' }, { fixed: '2.15.0' }] }] }],
    });
    const q = (v: string): boolean => isAffected(log4shell, 'Maven', 'org.apache.logging.log4j:log4j-core', v);
    assert.deepEqual(['2.0-alpha1', '2.0-beta9', '2.0', '2.3.1', '2.4', '2.12.1', '2.12.2', '2.14.1', '2.15.0-rc1', '2.15.0', '2.17.1'].map(q), [false, true, true, false, true, true, false, true, true, false, false]);
    assert.equal(isAffected(log4shell, 'Maven', 'log4j-core', '2.14.1'), false);
    assert.deepEqual(aliasIds(log4shell), ['GHSA-jfh8-c2jp-5v3q', 'CVE-2021-44228']);
    assert.equal(refersTo(log4shell, 'CVE-2021-44228'), true);
    assert.equal(refersTo(log4shell, 'ghsa-jfh8-c2jp-5v3q'), true);
    assert.equal(refersTo(log4shell, 'CVE-2021-45046'), false);
  });

  it('ignores withdrawn records and GIT ranges', () => {
    const withdrawn = record({ id: 'GHSA-w', withdrawn: '2024-02-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] });
    assert.deepEqual(evaluateRecord(withdrawn, { ecosystem: 'npm', name: 'x', version: '1.0.0' }), { status: 'not-affected', reason: 'withdrawn' });
    const git = record({ id: 'OSV-g', affected: [{ package: { ecosystem: 'npm', name: 'y' }, ranges: [{ type: 'GIT', repo: 'https://example.invalid/y', events: [{ introduced: '0' }, { fixed: 'abcdef0123' }] }] }] });
    assert.deepEqual(evaluateRecord(git, { ecosystem: 'npm', name: 'y', version: '1.0.0' }), { status: 'not-affected', reason: 'outside-ranges' });
  });

  it('says unknown rather than guessing: unknown ecosystem scheme, unparseable versions', () => {
    const nuget = record({ id: 'GHSA-n', affected: [{ package: { ecosystem: 'NuGet', name: 'Newtonsoft.Json' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '13.0.1' }] }] }] });
    const v = evaluateRecord(nuget, { ecosystem: 'NuGet', name: 'newtonsoft.json', version: '12.0.3' });
    assert.equal(v.status, 'unknown');
    assert.equal(isAffected(nuget, 'NuGet', 'newtonsoft.json', '12.0.3'), false);
    assert.equal(evaluateRecord(lodash, { ecosystem: 'npm', name: 'lodash', version: 'latest' }).status, 'unknown');
  });
});

describe('OSV record parsing', () => {
  it('keeps unknown fields and accepts null optional fields', () => {
    const p = parseOsvRecord({ id: 'X-1', modified: '2024-01-01T00:00:00Z', aliases: null, affected: [{ package: { ecosystem: 'npm', name: 'a', purl: null }, versions: null, extra: 1 }], x_vendor: 'kept' });
    assert.ok(p.ok);
    assert.equal((p.value as Record<string, unknown>)['x_vendor'], 'kept');
  });

  it('refuses malformed records with a message naming the problem', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ modified: '2024-01-01T00:00:00Z' }, /id/],
      [{ id: 'X', modified: '2024' , affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }] }] }, /exactly one/],
      [{ id: 'X', modified: '2024', affected: [{ ranges: [{ type: 'SEMVER', events: [] }] }] }, /events/],
      ['not an object', /object/],
    ];
    for (const [json, why] of cases) {
      const p = parseOsvRecord(json);
      assert.equal(p.ok, false);
      assert.match(p.ok ? '' : p.error, why);
    }
  });
});
