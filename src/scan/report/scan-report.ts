/**
 * What every report format renders: the scanned image, the findings and the data they were matched against.
 * The formats are pure functions of this (table, JSON, SARIF 2.1.0, CycloneDX VEX), used by `berth scan` and
 * by the registry's reports.
 */
import type { Inventory } from '../inventory/inventory.ts';
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import { severityRank } from '../match/vulnerability-finding.ts';
import { SEVERITY_ORDER, type SeverityRating } from '../severity/severity.ts';

export interface ScanReport {
  subject: {
    /** How the image was named (`registry/repo:tag`, `oci:DIR`, `docker-archive:FILE`). */
    name: string;
    /** The image manifest digest, when known. */
    digest?: string;
  };
  findings: readonly VulnerabilityFinding[];
  /** The vulnerability data revision the findings come from. */
  revision: string;
  /** RFC 3339. */
  generatedAt: string;
  /** The inventory matched: SARIF and VEX use package locations and components from it when present. */
  inventory?: Inventory;
  toolVersion?: string;
}

export type SeverityLabel = SeverityRating | 'unknown';
export type SeverityCounts = Record<SeverityLabel, number>;

export function severityLabel(f: VulnerabilityFinding): SeverityLabel {
  return f.isSeverityUnknown ? 'unknown' : f.severity;
}

export function severityCounts(findings: readonly VulnerabilityFinding[]): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };
  for (const f of findings) counts[severityLabel(f)]++;
  return counts;
}

/** Findings at or above `threshold` (unrated findings are below every threshold). */
export function findingsAtOrAbove(findings: readonly VulnerabilityFinding[], threshold: SeverityRating): VulnerabilityFinding[] {
  const min = SEVERITY_ORDER.indexOf(threshold);
  return findings.filter((f) => severityRank(f) >= min);
}

/** Where the matched package was found, from the inventory (first location), when known. */
export function packageLocation(report: ScanReport, f: VulnerabilityFinding): string | undefined {
  const pkg = report.inventory?.packages.find((p) => p.purl === f.package.purl && p.name === f.package.name && p.version === f.package.version);
  return pkg?.locations[0]?.path;
}

/** A reference URL for an advisory id (OSV's page serves every id OSV knows). */
export function advisoryUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}
