/** Runs the rules over a parsed Dockerfile, then applies the config and the ignore comments. */
import type { Dockerfile } from './dockerfile.types.ts';
import { EMPTY_LINT_CONFIG, type LintConfig } from './lint-config.ts';
import { LintContext } from './lint-context.ts';
import type { Finding, LintResult, LintRule } from './lint.types.ts';
import { ALL_RULES, RULE_IDS } from './rules/index.ts';
import { readSuppressions } from './suppressions.ts';

/** Pure; findings sorted by start line, then rule id. Call only on a Dockerfile without parse errors. */
export function lintDockerfile(dockerfile: Dockerfile, config: LintConfig = EMPTY_LINT_CONFIG, rules: readonly LintRule[] = ALL_RULES): LintResult {
  const ctx = new LintContext(dockerfile);
  const enabled = rules.filter((r) => !config.disable.includes(r.id)).map((r) => ({ rule: r, severity: config.severity[r.id] ?? r.severity }));
  const suppressions = readSuppressions(dockerfile, RULE_IDS);
  const findings: Finding[] = enabled
    .flatMap(({ rule, severity }) => rule.check(ctx).map((f) => ({ ruleId: rule.id, severity, ...f })))
    .filter((f) => !suppressions.isSuppressed(f))
    .sort((a, b) => a.range.start - b.range.start || a.ruleId.localeCompare(b.ruleId));
  return {
    dockerfile,
    findings,
    rules: enabled.map(({ rule, severity }) => ({ id: rule.id, title: rule.title, severity })),
    notices: suppressions.notices,
  };
}
