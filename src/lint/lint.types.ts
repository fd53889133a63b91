/** The contract between the linter, its rules and its output formats. */
import type { Dockerfile, LineRange } from './dockerfile.types.ts';
import type { LintContext } from './lint-context.ts';

export type Severity = 'error' | 'warning' | 'info';

/** Most severe first; a finding "at or above" a threshold has an index no greater than the threshold's. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** What a rule reports: where, what is wrong, and what to change. */
export interface RuleFinding {
  range: LineRange;
  message: string;
  fix: string;
}

export interface LintRule {
  /** Stable kebab-case id, used in ignore comments, the config file and SARIF. */
  id: string;
  severity: Severity;
  /** One line saying what the rule looks for. */
  title: string;
  /** Pure: reads the parsed Dockerfile only, never throws on well-formed input. */
  check(ctx: LintContext): RuleFinding[];
}

export interface Finding extends RuleFinding {
  ruleId: string;
  /** The rule's severity after config overrides. */
  severity: Severity;
}

export interface LintResult {
  dockerfile: Dockerfile;
  /** Sorted by line, then rule id. */
  findings: Finding[];
  /** Rules that ran (after the config disabled some), with their effective severity. */
  rules: Array<Pick<LintRule, 'id' | 'title'> & { severity: Severity }>;
  /** Ignore comments that name no known rule, and similar notes for the user. */
  notices: Array<{ line: number; message: string }>;
}
