/**
 * SARIF 2.1.0 (OASIS), as code-scanning services read it: one rule per advisory with its severity as
 * `security-severity` (the CVSS score, or a representative one for the rating), one result per (advisory,
 * package) located at the file that declares the package (the image name when unknown).
 */
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import { advisoryUrl, packageLocation, severityLabel, type ScanReport } from './scan-report.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const SCORE_OF_RATING: Record<string, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', none: '0.0', unknown: '0.0' };

function level(f: VulnerabilityFinding): 'error' | 'warning' | 'note' {
  const s = severityLabel(f);
  return s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note';
}

function securitySeverity(f: VulnerabilityFinding): string {
  return f.score !== undefined ? f.score.toFixed(1) : SCORE_OF_RATING[severityLabel(f)]!;
}

/** Pure; the value is a plain JSON object. */
export function toSarif(report: ScanReport): Record<string, unknown> {
  const rules: Array<Record<string, unknown>> = [];
  const ruleIndex = new Map<string, number>();
  for (const f of report.findings) {
    if (ruleIndex.has(f.id)) continue;
    ruleIndex.set(f.id, rules.length);
    const text = f.summary ?? `${f.id} in ${f.package.name}`;
    rules.push({
      id: f.id,
      name: f.id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text },
      fullDescription: { text: f.aliases.length > 0 ? `${text} (also ${f.aliases.join(', ')})` : text },
      helpUri: advisoryUrl(f.id),
      help: { text: `${text}\nSee ${advisoryUrl(f.id)}` },
      defaultConfiguration: { level: level(f) },
      properties: { 'security-severity': securitySeverity(f), tags: ['security', 'vulnerability', severityLabel(f)], ...(f.vector ? { cvssVector: f.vector } : {}) },
    });
  }
  const results = report.findings.map((f) => {
    const fix = f.fixedVersions.length > 0 ? `fixed in ${f.fixedVersions.join(', ')}` : 'no fix published';
    const via = f.package.source ? ` (source package ${f.package.source.name} ${f.package.source.version})` : '';
    return {
      ruleId: f.id,
      ruleIndex: ruleIndex.get(f.id)!,
      level: level(f),
      message: { text: `${f.package.name} ${f.package.version}${via} is affected by ${f.id} (${severityLabel(f)}); ${fix}` },
      locations: [{
        physicalLocation: { artifactLocation: { uri: packageLocation(report, f) ?? report.subject.name } },
        logicalLocations: [{ name: f.package.purl ?? f.package.name, kind: 'package' }],
      }],
      partialFingerprints: { 'berth/v1': `${f.id}|${f.package.purl ?? `${f.package.ecosystem}/${f.package.name}@${f.package.version}`}` },
      properties: { package: f.package, fixedVersions: f.fixedVersions, severity: severityLabel(f) },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'berth', version: report.toolVersion ?? '0.1.0', rules } },
      results,
      properties: { image: report.subject, revision: report.revision, generatedAt: report.generatedAt },
    }],
  };
}
