/**
 * Ignore comments: `# berth-lint ignore=RULE[,RULE]` in the comment lines directly above an instruction silences
 * those rules for findings that start in that instruction; `# berth-lint ignore-file=RULE[,RULE]` anywhere
 * silences them for the whole file.
 */
import type { Dockerfile, Instruction } from './dockerfile.types.ts';
import type { Finding } from './lint.types.ts';

const IGNORE_RE = /^berth-lint\s+(ignore|ignore-file)\s*=\s*(.*)$/;

export interface Suppressions {
  isSuppressed(finding: Finding): boolean;
  /** Ignore comments naming rules that do not exist. */
  notices: Array<{ line: number; message: string }>;
}

function ruleList(text: string): string[] {
  return text.split(',').map((r) => r.trim()).filter(Boolean);
}

export function readSuppressions(dockerfile: Dockerfile, knownRules: readonly string[]): Suppressions {
  const notices: Suppressions['notices'] = [];
  const fileWide = new Set<string>();
  const perInstruction: Array<{ instruction: Instruction; rules: Set<string> }> = [];
  const check = (rules: string[], line: number) => {
    for (const rule of rules) if (!knownRules.includes(rule)) notices.push({ line, message: `berth-lint comment names unknown rule "${rule}"` });
    return rules;
  };
  for (const comment of dockerfile.comments) {
    const match = IGNORE_RE.exec(comment.text);
    if (match?.[1] === 'ignore-file') for (const rule of check(ruleList(match[2]!), comment.line)) fileWide.add(rule);
  }
  for (const instruction of dockerfile.instructions) {
    const rules = instruction.comments.flatMap((c) => {
      const match = IGNORE_RE.exec(c.text);
      return match?.[1] === 'ignore' ? check(ruleList(match[2]!), c.line) : [];
    });
    if (rules.length > 0) perInstruction.push({ instruction, rules: new Set(rules) });
  }
  const orphaned = dockerfile.comments.filter((c) => IGNORE_RE.exec(c.text)?.[1] === 'ignore' && !dockerfile.instructions.some((i) => i.comments.includes(c)));
  for (const c of orphaned) notices.push({ line: c.line, message: 'berth-lint ignore= applies to the instruction right below it; a blank line or the end of the file comes first here' });
  return {
    notices,
    isSuppressed: (finding) =>
      fileWide.has(finding.ruleId) ||
      perInstruction.some(({ instruction, rules }) => rules.has(finding.ruleId) && finding.range.start >= instruction.range.start && finding.range.start <= instruction.range.end),
  };
}
