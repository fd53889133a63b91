import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import { severityCounts, severityLabel, type ScanReport } from './scan-report.ts';

const SUMMARY_MAX = 60;

function cut(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function row(f: VulnerabilityFinding): string[] {
  const pkg = f.package.source && f.package.source.name !== f.package.name ? `${f.package.name} (${f.package.source.name})` : f.package.name;
  return [severityLabel(f).toUpperCase(), f.id, pkg, f.package.version, f.fixedVersions.join(', ') || '-', cut(f.summary ?? '', SUMMARY_MAX)];
}

/** A plain-text table, most severe first, with a summary line of counts per severity. Pure. */
export function renderTable(report: ScanReport): string {
  const counts = severityCounts(report.findings);
  const total = report.findings.length;
  const summary = `${report.subject.name}${report.subject.digest ? ` (${report.subject.digest})` : ''}: ${total} ${total === 1 ? 'vulnerability' : 'vulnerabilities'}`
    + ` (critical ${counts.critical}, high ${counts.high}, medium ${counts.medium}, low ${counts.low}, none ${counts.none}, unknown ${counts.unknown}); data revision ${report.revision}`;
  if (total === 0) return `${summary}\n`;
  const rows = [['SEVERITY', 'ID', 'PACKAGE', 'INSTALLED', 'FIXED IN', 'SUMMARY'], ...report.findings.map(row)];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  return `${lines.join('\n')}\n\n${summary}\n`;
}
