/**
 * CycloneDX 1.6 VEX: the image as metadata.component, each affected package a component (bom-ref = its purl),
 * and one vulnerability per finding with its ratings, affects (the package at its installed version,
 * `affected`), the fixes as the recommendation, and analysis state `in_triage`: matched by version, not yet
 * assessed by a person. Built with @cyclonedx/cyclonedx-library.
 */
import { randomUUID } from 'node:crypto';
import * as CDX from '@cyclonedx/cyclonedx-library';
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import { advisoryUrl, severityLabel, type ScanReport } from './scan-report.ts';

export const VEX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

export interface VexOptions {
  /** The serial number's UUID (default random). */
  uuid?: string;
}

function ratingMethod(vector: string | undefined): CDX.Enums.Vulnerability.RatingMethod | undefined {
  if (vector?.startsWith('CVSS:4.0/')) return CDX.Enums.Vulnerability.RatingMethod.CVSSv4;
  if (vector?.startsWith('CVSS:3.1/')) return CDX.Enums.Vulnerability.RatingMethod.CVSSv31;
  if (vector?.startsWith('CVSS:3.0/')) return CDX.Enums.Vulnerability.RatingMethod.CVSSv3;
  return undefined;
}

function sourceOf(id: string): CDX.Models.Vulnerability.Source {
  const prefix = id.split('-')[0]!;
  const names: Record<string, string> = { CVE: 'NVD', GHSA: 'GitHub', DSA: 'Debian', DLA: 'Debian', DEBIAN: 'Debian', USN: 'Ubuntu', UBUNTU: 'Ubuntu', ALPINE: 'Alpine', PYSEC: 'PyPA', GO: 'Go', RUSTSEC: 'RustSec' };
  return new CDX.Models.Vulnerability.Source({ name: names[prefix] ?? 'OSV', url: advisoryUrl(id) });
}

function vulnerability(f: VulnerabilityFinding, ref: CDX.Models.BomRef): CDX.Models.Vulnerability.Vulnerability {
  const v = new CDX.Models.Vulnerability.Vulnerability({
    id: f.id,
    source: sourceOf(f.id),
    ...(f.summary ? { description: f.summary } : {}),
    ...(f.fixedVersions.length > 0 ? { recommendation: `Upgrade ${f.package.name} to ${f.fixedVersions.join(' or ')}` } : {}),
    ...(f.published ? { published: new Date(f.published) } : {}),
    ...(f.modified ? { updated: new Date(f.modified) } : {}),
    analysis: new CDX.Models.Vulnerability.Analysis({ state: CDX.Enums.Vulnerability.AnalysisState.InTriage, detail: 'matched by package version against OSV data' }),
  });
  const method = ratingMethod(f.vector);
  v.ratings.add(new CDX.Models.Vulnerability.Rating({
    severity: severityLabel(f) as CDX.Enums.Vulnerability.Severity,
    ...(f.score !== undefined ? { score: f.score } : {}),
    ...(method ? { method } : {}),
    ...(f.vector && method ? { vector: f.vector } : {}),
  }));
  for (const alias of f.aliases) v.references.add(new CDX.Models.Vulnerability.Reference(alias, sourceOf(alias)));
  const affect = new CDX.Models.Vulnerability.Affect(ref);
  affect.versions.add(new CDX.Models.Vulnerability.AffectedSingleVersion(f.package.version, { status: CDX.Enums.Vulnerability.AffectStatus.Affected }));
  v.affects.add(affect);
  return v;
}

/** Pure except for the default serial number; the value is a plain JSON object. */
export function toVex(report: ScanReport, opts: VexOptions = {}): Record<string, unknown> {
  const bom = new CDX.Models.Bom({ serialNumber: `urn:uuid:${opts.uuid ?? randomUUID()}` });
  bom.metadata.timestamp = new Date(report.generatedAt);
  bom.metadata.tools.components.add(new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'berth', { version: report.toolVersion ?? '0.1.0' }));
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Container, report.subject.name, { bomRef: 'image', ...(report.subject.digest ? { version: report.subject.digest } : {}) });
  const components = new Map<string, CDX.Models.Component>();
  for (const f of report.findings) {
    const key = f.package.purl ?? `${f.package.ecosystem}:${f.package.name}@${f.package.version}`;
    let c = components.get(key);
    if (!c) {
      c = new CDX.Models.Component(CDX.Enums.ComponentType.Library, f.package.name, { version: f.package.version, bomRef: key, ...(f.package.purl ? { purl: f.package.purl } : {}) });
      components.set(key, c);
      bom.components.add(c);
    }
    bom.vulnerabilities.add(vulnerability(f, c.bomRef));
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return JSON.parse(serializer.serialize(bom, { sortLists: false })) as Record<string, unknown>;
}
