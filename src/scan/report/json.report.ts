import { severityCounts, type ScanReport, type SeverityCounts } from './scan-report.ts';
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';

/** The JSON report (schema version 1): stable keys for scripts. */
export interface JsonScanReport {
  schemaVersion: 1;
  subject: ScanReport['subject'];
  revision: string;
  generatedAt: string;
  summary: SeverityCounts & { total: number };
  findings: VulnerabilityFinding[];
}

/** Pure. */
export function toJsonReport(report: ScanReport): JsonScanReport {
  return {
    schemaVersion: 1,
    subject: report.subject,
    revision: report.revision,
    generatedAt: report.generatedAt,
    summary: { total: report.findings.length, ...severityCounts(report.findings) },
    findings: [...report.findings],
  };
}
