import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { Ajv } from 'ajv';
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import { toJsonReport } from './json.report.ts';
import { toSarif } from './sarif.report.ts';
import { findingsAtOrAbove, type ScanReport } from './scan-report.ts';
import { renderTable } from './table.report.ts';
import { toVex } from './vex.report.ts';

const OPENSSL: VulnerabilityFinding = {
  id: 'DEBIAN-CVE-2099-0001', aliases: ['CVE-2099-0001', 'DSA-9999-1'], summary: 'openssl: buffer overflow in a\nparser',
  package: { ecosystem: 'deb', name: 'libssl3', version: '3.0.11-1~deb12u2+b1', purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2%2Bb1?arch=amd64&distro=debian-12', source: { name: 'openssl', version: '3.0.11-1~deb12u2' } },
  severity: 'critical', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', fixedVersions: ['3.0.13-1~deb12u1'],
  published: '2099-01-01T00:00:00Z', modified: '2099-01-02T00:00:00Z',
};
const LODASH: VulnerabilityFinding = {
  id: 'GHSA-lod1-0000-0001', aliases: [], package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
  severity: 'medium', fixedVersions: [], modified: '2099-01-03T00:00:00Z',
};
const UNRATED: VulnerabilityFinding = { ...LODASH, id: 'GHSA-unra-0000-0001', severity: 'none', isSeverityUnknown: true };

const REPORT: ScanReport = {
  subject: { name: 'registry.example/app:1.0', digest: `sha256:${'ab'.repeat(32)}` },
  findings: [OPENSSL, LODASH, UNRATED],
  revision: 'rev-1',
  generatedAt: '2099-02-01T00:00:00.000Z',
  inventory: {
    os: { id: 'debian', versionId: '12', prettyName: 'Debian 12', family: 'debian' },
    packages: [{ ecosystem: 'npm', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20', locations: [{ path: 'app/node_modules/lodash/package.json', layer: 1 }] }],
    warnings: [],
  },
};

describe('scan report formats', () => {
  it('table: one row per finding with the source package, fixes, a one-line summary and counts', () => {
    const text = renderTable(REPORT);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^SEVERITY\s+ID\s+PACKAGE\s+INSTALLED\s+FIXED IN\s+SUMMARY$/);
    assert.match(lines[1]!, /^CRITICAL\s+DEBIAN-CVE-2099-0001\s+libssl3 \(openssl\)\s+3\.0\.11-1~deb12u2\+b1\s+3\.0\.13-1~deb12u1\s+openssl: buffer overflow in a parser$/);
    assert.match(lines[2]!, /^MEDIUM\s+GHSA-lod1-0000-0001\s+lodash\s+4\.17\.20\s+-$/);
    assert.match(lines[3]!, /^UNKNOWN\s+GHSA-unra/);
    assert.match(text, /3 vulnerabilities \(critical 1, high 0, medium 1, low 0, none 0, unknown 1\); data revision rev-1/);
    assert.equal(renderTable({ ...REPORT, findings: [] }).trim(), `registry.example/app:1.0 (sha256:${'ab'.repeat(32)}): 0 vulnerabilities (critical 0, high 0, medium 0, low 0, none 0, unknown 0); data revision rev-1`);
  });

  it('JSON: schema version, counts and the findings as matched', () => {
    const json = JSON.parse(JSON.stringify(toJsonReport(REPORT)));
    assert.equal(json.schemaVersion, 1);
    assert.deepEqual(json.summary, { total: 3, critical: 1, high: 0, medium: 1, low: 0, none: 0, unknown: 1 });
    assert.deepEqual(json.findings[0], JSON.parse(JSON.stringify(OPENSSL)));
    assert.equal(json.revision, 'rev-1');
  });

  it('SARIF 2.1.0: the required shape, one rule per advisory, security-severity, locations from the inventory', () => {
    const sarif = toSarif(REPORT) as any;
    // SARIF 2.1.0's required properties (sarifLog, run, tool, toolComponent, result, message, location).
    const ajv = new Ajv({ strict: false });
    const valid = ajv.validate({
      type: 'object', required: ['version', 'runs'],
      properties: {
        version: { const: '2.1.0' }, $schema: { type: 'string' },
        runs: { type: 'array', minItems: 1, items: {
          type: 'object', required: ['tool'],
          properties: {
            tool: { type: 'object', required: ['driver'], properties: { driver: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, rules: { type: 'array', items: { type: 'object', required: ['id'] } } } } } },
            results: { type: 'array', items: {
              type: 'object', required: ['message'],
              properties: {
                ruleId: { type: 'string' }, ruleIndex: { type: 'integer', minimum: 0 }, level: { enum: ['none', 'note', 'warning', 'error'] },
                message: { type: 'object', anyOf: [{ required: ['text'] }, { required: ['id'] }] },
                locations: { type: 'array', items: { type: 'object', properties: { physicalLocation: { type: 'object', anyOf: [{ required: ['address'] }, { required: ['artifactLocation'] }] } } } },
              },
            } },
          },
        } },
      },
    }, sarif);
    assert.ok(valid, JSON.stringify(ajv.errors));
    const run = sarif.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((r: any) => [r.id, r.properties['security-severity']]), [['DEBIAN-CVE-2099-0001', '9.8'], ['GHSA-lod1-0000-0001', '5.5'], ['GHSA-unra-0000-0001', '0.0']]);
    assert.deepEqual(run.results.map((r: any) => [r.ruleId, r.level, run.tool.driver.rules[r.ruleIndex].id]), [
      ['DEBIAN-CVE-2099-0001', 'error', 'DEBIAN-CVE-2099-0001'], ['GHSA-lod1-0000-0001', 'warning', 'GHSA-lod1-0000-0001'], ['GHSA-unra-0000-0001', 'note', 'GHSA-unra-0000-0001'],
    ]);
    assert.equal(run.results[1].locations[0].physicalLocation.artifactLocation.uri, 'app/node_modules/lodash/package.json');
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, 'registry.example/app:1.0', 'no inventory location: the image');
    assert.match(run.results[0].message.text, /libssl3 3\.0\.11-1~deb12u2\+b1 \(source package openssl 3\.0\.11-1~deb12u2\) is affected by DEBIAN-CVE-2099-0001 \(critical\); fixed in 3\.0\.13-1~deb12u1/);
  });

  it('CycloneDX VEX: valid 1.6, one vulnerability per finding affecting its component, ratings and references', async () => {
    const vex = toVex(REPORT, { uuid: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' }) as any;
    const errors = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(JSON.stringify(vex));
    assert.equal(errors, null);
    assert.equal(vex.specVersion, '1.6');
    assert.equal(vex.metadata.component.name, 'registry.example/app:1.0');
    assert.deepEqual(vex.components.map((c: any) => [c['bom-ref'], c.name, c.version]), [
      [OPENSSL.package.purl, 'libssl3', '3.0.11-1~deb12u2+b1'], ['pkg:npm/lodash@4.17.20', 'lodash', '4.17.20'],
    ]);
    const [first, second, third] = vex.vulnerabilities;
    assert.equal(first.id, 'DEBIAN-CVE-2099-0001');
    assert.deepEqual(first.ratings, [{ severity: 'critical', score: 9.8, method: 'CVSSv31', vector: OPENSSL.vector }]);
    assert.deepEqual(first.affects, [{ ref: OPENSSL.package.purl, versions: [{ version: '3.0.11-1~deb12u2+b1', status: 'affected' }] }]);
    assert.deepEqual(first.references.map((r: any) => r.id), ['CVE-2099-0001', 'DSA-9999-1']);
    assert.equal(first.analysis.state, 'in_triage');
    assert.equal(first.recommendation, 'Upgrade libssl3 to 3.0.13-1~deb12u1');
    assert.equal(second.affects[0].ref, 'pkg:npm/lodash@4.17.20');
    assert.deepEqual(third.ratings, [{ severity: 'unknown' }]);
  });

  it('thresholds: at or above, unrated below everything', () => {
    assert.deepEqual(findingsAtOrAbove(REPORT.findings, 'high').map((f) => f.id), ['DEBIAN-CVE-2099-0001']);
    assert.deepEqual(findingsAtOrAbove(REPORT.findings, 'low').map((f) => f.id), ['DEBIAN-CVE-2099-0001', 'GHSA-lod1-0000-0001']);
    assert.deepEqual(findingsAtOrAbove(REPORT.findings, 'none').map((f) => f.id), ['DEBIAN-CVE-2099-0001', 'GHSA-lod1-0000-0001']);
  });
});
