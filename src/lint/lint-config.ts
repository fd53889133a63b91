/**
 * `.berth-lint.yaml`: rules to disable and severities to change.
 *
 *   disable: [consecutive-run, healthcheck-missing]
 *   severity:
 *     user-missing: error
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SEVERITIES, type Severity } from './lint.types.ts';
import { RULE_IDS } from './rules/index.ts';

export const LINT_CONFIG_FILE = '.berth-lint.yaml';

const ruleId = z.string().refine((id) => RULE_IDS.includes(id), { error: (issue) => `unknown rule "${String(issue.input)}"` });
const severity = z.enum(SEVERITIES as [Severity, ...Severity[]]);

export const LintConfigSchema = z.strictObject({
  disable: z.array(ruleId).default([]),
  severity: z.record(ruleId, severity).default({}),
});

export type LintConfig = z.infer<typeof LintConfigSchema>;

export const EMPTY_LINT_CONFIG: LintConfig = { disable: [], severity: {} };

/** A config file that is not YAML or does not match the schema; the message lists every problem. */
export class LintConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid lint config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'LintConfigError';
  }
}

/** Validates parsed YAML; throws LintConfigError naming each bad key. An empty document is the empty config. */
export function parseLintConfig(text: string, file: string): LintConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new LintConfigError(file, [`not YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = LintConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    // A bad record key reports "Invalid key in record"; the key schema's own message says which rule is unknown.
    const messageOf = (i: z.core.$ZodIssue) => (i.code === 'invalid_key' ? (i.issues[0]?.message ?? i.message) : i.message);
    throw new LintConfigError(file, result.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${messageOf(i)}`));
  }
  return result.data;
}

/** Reads and validates `file`; with `isOptional`, a missing file is the empty config. */
export async function loadLintConfig(file: string, isOptional: boolean): Promise<LintConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isOptional && (err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_LINT_CONFIG;
    throw new LintConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseLintConfig(text, file);
}
