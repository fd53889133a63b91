/** The text and JSON forms of a lint result, and the CI verdict. */
import { severityRank, type Finding, type LintResult, type Severity } from './lint.types.ts';

export type FailOn = Severity | 'none';

/** Whether a finding is at or above the `--fail-on` threshold. */
export function isFailing(finding: Finding, failOn: FailOn): boolean {
  return failOn !== 'none' && severityRank(finding.severity) <= severityRank(failOn);
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function lines(f: Finding): string {
  return f.range.end === f.range.start ? `${f.range.start}` : `${f.range.start}-${f.range.end}`;
}

/** `file:line: severity rule-id message`, each followed by an indented fix, then a count line. Empty when clean. */
export function formatText(result: LintResult, fileLabel: string): string {
  if (result.findings.length === 0) return '';
  const out = result.findings.map((f) => `${fileLabel}:${lines(f)}: ${f.severity} ${f.ruleId} ${f.message}\n  fix: ${f.fix}`);
  const counts = countBySeverity(result.findings);
  const n = result.findings.length;
  out.push(`${n} finding${n === 1 ? '' : 's'}: ${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}, ${counts.info} info`);
  return `${out.join('\n')}\n`;
}

export interface LintJson {
  file: string;
  failOn: FailOn;
  /** Whether some finding is at or above failOn (the command then exits 1). */
  failed: boolean;
  counts: Record<Severity, number>;
  findings: Array<{ ruleId: string; severity: Severity; message: string; fix: string; startLine: number; endLine: number }>;
}

export function toJson(result: LintResult, fileLabel: string, failOn: FailOn): LintJson {
  return {
    file: fileLabel,
    failOn,
    failed: result.findings.some((f) => isFailing(f, failOn)),
    counts: countBySeverity(result.findings),
    findings: result.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, message: f.message, fix: f.fix, startLine: f.range.start, endLine: f.range.end })),
  };
}
