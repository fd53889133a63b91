import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Command } from 'commander';
import { parseDockerfile } from '../lint/dockerfile-parser.ts';
import { LINT_CONFIG_FILE, LintConfigError, loadLintConfig, type LintConfig } from '../lint/lint-config.ts';
import { formatText, isFailing, toJson, type FailOn } from '../lint/lint-report.ts';
import { lintDockerfile } from '../lint/linter.ts';
import { ALL_RULES } from '../lint/rules/index.ts';
import { toSarif } from '../lint/sarif-report.ts';
import { runAction } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';

interface LintOptions {
  format: string;
  json?: boolean;
  failOn: string;
  config?: string;
  buildArg: string[];
}

const FORMATS = ['text', 'json', 'sarif'] as const;
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'none'];

function rulesHelp(): string {
  const width = Math.max(...ALL_RULES.map((r) => r.id.length));
  return ALL_RULES.map((r) => `  ${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.title}`).join('\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readDockerfile(file: string): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT.CONFIG);
  }
}

async function readConfig(file: string, explicit: string | undefined): Promise<LintConfig> {
  try {
    if (explicit !== undefined) return await loadLintConfig(explicit, false);
    return await loadLintConfig(join(file === '-' ? '.' : dirname(file), LINT_CONFIG_FILE), true);
  } catch (err) {
    if (err instanceof LintConfigError) throw new CliError(err.message, EXIT.CONFIG);
    throw err;
  }
}

function parseBuildArgs(raw: string[]): Record<string, string> {
  return Object.fromEntries(
    raw.map((arg) => {
      const eq = arg.indexOf('=');
      if (eq <= 0) throw new CliError(`--build-arg must be NAME=VALUE, got "${arg}"`, EXIT.CONFIG);
      return [arg.slice(0, eq), arg.slice(eq + 1)];
    }),
  );
}

export function registerLintCommand(program: Command): void {
  program
    .command('lint')
    .argument('[dockerfile]', 'the Dockerfile to check, or - to read it from stdin', 'Dockerfile')
    .description('check a Dockerfile for image size, security and reproducibility problems')
    .option('-f, --format <format>', 'output: text, json or sarif (SARIF 2.1.0, for code scanning)', 'text')
    .option('--json', 'same as --format json')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above: error, warning, info, or none', 'error')
    .option('-c, --config <file>', `lint config (default: ${LINT_CONFIG_FILE} next to the Dockerfile, if present)`)
    .option('--build-arg <name=value>', 'value for an ARG, as docker build --build-arg (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.CONFIG))
    .addHelpText(
      'after',
      `
Text output is one line a finding, "FILE:LINE: SEVERITY RULE-ID MESSAGE", with the fix indented below it.
--json prints {"file", "failOn", "failed", "counts": {"error", "warning", "info"}, "findings": [{"ruleId",
"severity", "message", "fix", "startLine", "endLine"}]}. Parse errors go to stderr as FILE:LINE: MESSAGE.

Silence a rule for one instruction with a comment right above it, or for the whole file:
  # berth-lint ignore=cd-in-run,sudo-in-run
  # berth-lint ignore-file=healthcheck-missing
The config file (YAML) disables rules and changes severities:
  disable: [consecutive-run]
  severity: { user-missing: error }

Rules (id, default severity, what it finds):
${rulesHelp()}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG], {
  [EXIT.OK]: 'no finding at or above --fail-on',
  [EXIT.FAILURE]: 'some finding at or above --fail-on (default: error)',
  [EXIT.CONFIG]: 'bad usage, unreadable file, invalid config, or a Dockerfile that does not parse',
})}`,
    )
    .action(
      runAction(async (file: string, opts: LintOptions) => {
        const format = opts.json ? 'json' : opts.format;
        if (!(FORMATS as readonly string[]).includes(format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`, EXIT.CONFIG);
        if (opts.json && opts.format !== 'text' && opts.format !== 'json') throw new CliError('--json and --format sarif conflict: pick one', EXIT.CONFIG);
        const failOn = opts.failOn as FailOn;
        if (!FAIL_ON.includes(failOn)) throw new CliError(`--fail-on must be one of ${FAIL_ON.join(', ')}, got "${opts.failOn}"`, EXIT.CONFIG);
        const buildArgs = parseBuildArgs(opts.buildArg);
        const config = await readConfig(file, opts.config);
        const label = file === '-' ? '<stdin>' : file;

        const dockerfile = parseDockerfile(await readDockerfile(file), { buildArgs });
        if (dockerfile.errors.length > 0) {
          const problems = dockerfile.errors.map((e) => `${label}:${e.range.start}: ${e.message}`);
          throw new CliError(`${label} does not parse:\n${problems.join('\n')}`, EXIT.CONFIG);
        }
        const result = lintDockerfile(dockerfile, config);
        for (const notice of result.notices) process.stderr.write(`berth: ${label}:${notice.line}: ${notice.message}\n`);

        if (format === 'sarif') {
          const uri = file === '-' ? 'stdin' : relative(process.cwd(), file).split(sep).join('/');
          emit(true, toSarif(result, uri, program.version() ?? '0.0.0'), () => '');
        } else emit(format === 'json', toJson(result, label, failOn), () => formatText(result, label));

        const failing = result.findings.filter((f) => isFailing(f, failOn)).length;
        if (failing > 0) throw new CliError(`${failing} finding${failing === 1 ? '' : 's'} at or above ${failOn}`, EXIT.FAILURE);
      }),
    );
}
