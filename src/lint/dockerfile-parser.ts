/**
 * Parses a Dockerfile into instructions and build stages, following BuildKit's rules for variable scope:
 * ARGs before the first FROM are global and usable only in FROM lines (a stage sees one only after declaring
 * `ARG NAME` again, which takes the global default); each stage starts with no variables of its own, except the
 * ENV it inherits from an earlier stage it is built FROM; ENV wins over an ARG of the same name. Never throws:
 * problems are collected in `errors` with their line range.
 */
import { readSourceLines } from './dockerfile-lines.ts';
import type { Dockerfile, EnvInstruction, Instruction, Stage } from './dockerfile.types.ts';
import { parseInstruction } from './instruction-parser.ts';

export interface ParseOptions {
  /** `--build-arg NAME=VALUE` values: they replace the defaults of declared ARGs. */
  buildArgs?: Record<string, string>;
}

interface StageScope {
  env: Map<string, string>;
  args: Map<string, string | undefined>;
}

export function parseDockerfile(source: string, opts: ParseOptions = {}): Dockerfile {
  const read = readSourceLines(source);
  const errors = [...read.errors];
  const buildArgs = new Map(Object.entries(opts.buildArgs ?? {}));
  const globalScope = new Map<string, string | undefined>();
  const globalArgs: EnvInstruction[] = [];
  const stages: Stage[] = [];
  const instructions: Instruction[] = [];
  const stageEnvs: Map<string, string>[] = [];
  let scope: StageScope | undefined;

  const lookup = (name: string): string | undefined => {
    if (!scope) return globalScope.get(name);
    return scope.env.get(name) ?? scope.args.get(name);
  };

  for (const line of read.lines) {
    const isFrom = line.keyword === 'FROM';
    if (!scope && !isFrom && line.keyword !== 'ARG') {
      errors.push({ message: `${line.keyword} before the first FROM: only ARG may come before FROM`, range: line.range });
      continue;
    }
    // FROM lines see only the global ARGs, whatever stage came before.
    const ctx = { escapeChar: read.escapeChar, lookup: isFrom ? (name: string) => globalScope.get(name) : lookup, stageIndex: isFrom ? stages.length : stages.length - 1, errors };
    const instruction = parseInstruction(line, ctx);
    if (!instruction) continue;
    instructions.push(instruction);

    if (instruction.keyword === 'FROM') {
      if (instruction.alias && stages.some((s) => s.name === instruction.alias)) {
        errors.push({ message: `duplicate stage name "${instruction.alias}"`, range: line.range });
      }
      const base = stages.find((s) => s.name !== undefined && s.name === instruction.imageExpanded.toLowerCase());
      if (scope) stageEnvs.push(scope.env);
      scope = { env: new Map(base ? stageEnvs[base.index] : []), args: new Map() };
      stages.push({ index: stages.length, from: instruction, name: instruction.alias, baseStageIndex: base?.index, instructions: [], range: { ...instruction.range } });
      continue;
    }
    if (instruction.keyword === 'ARG') {
      for (const pair of instruction.pairs) {
        const value = buildArgs.get(pair.key) ?? pair.value ?? (scope ? globalScope.get(pair.key) : undefined);
        (scope ? scope.args : globalScope).set(pair.key, value);
      }
      if (!scope) {
        globalArgs.push(instruction);
        continue;
      }
    }
    if (instruction.keyword === 'ENV') for (const pair of instruction.pairs) scope!.env.set(pair.key, pair.value ?? '');
    const stage = stages.at(-1)!;
    stage.instructions.push(instruction);
    stage.range.end = instruction.range.end;
  }
  if (read.lines.length === 0) errors.push({ message: 'the Dockerfile has no instructions', range: { start: 1, end: Math.max(1, read.lineCount) } });
  else if (stages.length === 0) errors.push({ message: 'the Dockerfile has no FROM instruction', range: { start: 1, end: read.lineCount } });
  return { directives: read.directives, escapeChar: read.escapeChar, instructions, globalArgs, stages, comments: read.comments, errors, lineCount: read.lineCount };
}

/** The stage `name` or index refers to, among those defined before stage `beforeIndex`. */
export function findStage(dockerfile: Dockerfile, ref: string, beforeIndex: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const earlier = dockerfile.stages.slice(0, beforeIndex);
  if (/^\d+$/.test(ref)) return earlier[Number(ref)];
  return earlier.find((s) => s.name === lower);
}
