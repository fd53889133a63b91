/**
 * Turns one logical line into a typed instruction. Expansion uses `lookup` (the variables in scope at that
 * point), only for the instructions BuildKit expands itself; problems go to `errors` with the line range.
 */
import type { LogicalLine } from './dockerfile-lines.ts';
import type { CommandLine, Instruction, InstructionFlag, KeyValue, ParseProblem } from './dockerfile.types.ts';
import { ALLOWED_FLAGS, extractFlags, isHeredocWord, parseJsonArray } from './instruction-args.ts';
import { expandWord, expandWords, splitRawWords, type VariableLookup } from './word-expander.ts';

export interface InstructionContext {
  escapeChar: string;
  lookup: VariableLookup;
  stageIndex: number;
  errors: ParseProblem[];
}

const STAGE_NAME_RE = /^[a-z][a-z0-9-_.]*$/;
const KEYWORDS = new Set(['FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD', 'ENV', 'LABEL', 'ARG', 'USER', 'WORKDIR', 'MAINTAINER', 'STOPSIGNAL', 'EXPOSE', 'VOLUME', 'SHELL', 'HEALTHCHECK', 'ONBUILD']);

class LineParser {
  readonly flags: InstructionFlag[];
  readonly args: string;

  constructor(
    readonly line: LogicalLine,
    readonly ctx: InstructionContext,
  ) {
    // ONBUILD's flags belong to its trigger.
    ({ flags: this.flags, args: this.args } = line.keyword === 'ONBUILD' ? { flags: [], args: line.rest } : extractFlags(line.rest, ctx.escapeChar));
    const allowed = ALLOWED_FLAGS[line.keyword] ?? [];
    for (const flag of this.flags) if (!allowed.includes(flag.name)) this.fail(`unknown flag --${flag.name} for ${line.keyword}`);
  }

  fail(message: string): void {
    this.ctx.errors.push({ message, range: this.line.range });
  }

  get base() {
    const { keyword, range, comments } = this.line;
    return { rawArgs: this.args, flags: this.flags, range, comments, stageIndex: this.ctx.stageIndex, keyword };
  }

  expand(word: string): { value: string; unresolved: string[] } {
    const result = expandWord(word, this.ctx.lookup, this.ctx.escapeChar);
    if (result.error) this.fail(result.error);
    return result;
  }

  expandAll(text: string): string[] {
    const result = expandWords(text, this.ctx.lookup, this.ctx.escapeChar);
    if (result.error) this.fail(result.error);
    return result.values;
  }

  command(text: string): CommandLine {
    const args = parseJsonArray(text);
    return args ? { form: 'exec', args } : { form: 'shell', text };
  }

  /** `KEY=value KEY2="v 2"`, or the legacy `KEY value with spaces` (ENV, LABEL). */
  pairs(isLegacyAllowed: boolean): KeyValue[] {
    const words = splitRawWords(this.args, this.ctx.escapeChar);
    if (words.length === 0) {
      this.fail(`${this.line.keyword} requires at least one argument`);
      return [];
    }
    if (!words[0]!.text.includes('=') && isLegacyAllowed) {
      if (words.length < 2) this.fail(`${this.line.keyword} ${words[0]!.text} needs a value`);
      return [{ key: words[0]!.text, value: this.expand(this.args.slice(words[0]!.end).trim()).value }];
    }
    return words.flatMap((word) => {
      const eq = word.text.indexOf('=');
      if (eq <= 0) {
        this.fail(`${this.line.keyword}: can't find = in "${word.text}", must be of the form name=value`);
        return [];
      }
      return [{ key: this.expand(word.text.slice(0, eq)).value, value: this.expand(word.text.slice(eq + 1)).value }];
    });
  }

  argDeclarations(): KeyValue[] {
    const words = splitRawWords(this.args, this.ctx.escapeChar);
    if (words.length === 0) this.fail('ARG requires at least one argument');
    return words.map((word) => {
      const eq = word.text.indexOf('=');
      if (eq === -1) return { key: word.text, value: undefined };
      return { key: word.text.slice(0, eq), value: this.expand(word.text.slice(eq + 1)).value };
    });
  }

  single(): string {
    if (this.args === '') this.fail(`${this.line.keyword} requires exactly one argument`);
    return this.expand(this.args).value;
  }
}

function parseFrom(p: LineParser): Instruction {
  const words = splitRawWords(p.args, p.ctx.escapeChar).map((w) => w.text);
  const isAliased = words.length === 3 && words[1]!.toUpperCase() === 'AS';
  if (words.length !== 1 && !isAliased) p.fail('FROM requires either one or three arguments (FROM image [AS name])');
  const image = words[0] ?? '';
  const { value: imageExpanded, unresolved } = p.expand(image);
  const alias = isAliased ? p.expand(words[2]!).value.toLowerCase() : undefined;
  if (alias !== undefined && !STAGE_NAME_RE.test(alias)) p.fail(`invalid stage name "${alias}": use letters, digits, '-', '_' and '.', starting with a letter`);
  const rawPlatform = p.flags.find((f) => f.name === 'platform')?.value;
  const platform = rawPlatform === undefined ? undefined : p.expand(rawPlatform).value;
  return { ...p.base, keyword: 'FROM', image, imageExpanded, unresolvedVars: unresolved, alias, platform };
}

function parseCopy(p: LineParser, keyword: 'COPY' | 'ADD'): Instruction {
  const json = parseJsonArray(p.args);
  let items: string[];
  if (json) items = json.map((item) => p.expand(item).value);
  else {
    // Heredoc words name no file; drop them before expansion so `<<EOF` is not read as a path.
    const words = splitRawWords(p.args, p.ctx.escapeChar).filter((w) => !isHeredocWord(w.text));
    items = words.map((w) => p.expand(w.text).value);
  }
  const heredocs = json ? [] : p.line.heredocs;
  if (items.length + heredocs.length < 2 || items.length < 1) p.fail(`${keyword} requires at least two arguments (sources and a destination)`);
  return { ...p.base, keyword, sources: items.slice(0, -1), destination: items.at(-1) ?? '', isJsonForm: json !== undefined, heredocs };
}

function parseHealthcheck(p: LineParser): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(p.args);
  const kind = match?.[1]?.toUpperCase();
  if (kind === 'NONE') {
    if (match![2] !== '' || p.flags.length > 0) p.fail('HEALTHCHECK NONE takes no other arguments');
    return { ...p.base, keyword: 'HEALTHCHECK', command: undefined };
  }
  if (kind !== 'CMD' || match![2] === '') {
    p.fail('HEALTHCHECK must be NONE or CMD followed by a command');
    return { ...p.base, keyword: 'HEALTHCHECK', command: undefined };
  }
  return { ...p.base, keyword: 'HEALTHCHECK', command: p.command(match![2]!) };
}

function parseOnbuild(p: LineParser): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(p.line.rest);
  const innerKeyword = match?.[1]?.toUpperCase();
  if (!innerKeyword) {
    p.fail('ONBUILD requires an instruction');
    return { ...p.base, keyword: 'ONBUILD', trigger: undefined };
  }
  if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(innerKeyword)) {
    p.fail(`${innerKeyword} is not allowed as an ONBUILD trigger`);
    return { ...p.base, keyword: 'ONBUILD', trigger: undefined };
  }
  const innerLine: LogicalLine = { ...p.line, keyword: innerKeyword, rest: match![2]!.trim(), comments: [] };
  // The trigger runs in a later build, which expands it then: keep its variables as written.
  const trigger = parseInstruction(innerLine, { ...p.ctx, lookup: null });
  return { ...p.base, keyword: 'ONBUILD', trigger };
}

/** The typed instruction for `line`, or undefined (with an error) for an unknown keyword. */
export function parseInstruction(line: LogicalLine, ctx: InstructionContext): Instruction | undefined {
  if (!KEYWORDS.has(line.keyword)) {
    ctx.errors.push({ message: `unknown instruction: ${line.keyword}`, range: line.range });
    return undefined;
  }
  const p = new LineParser(line, ctx);
  switch (line.keyword) {
    case 'FROM':
      return parseFrom(p);
    case 'RUN':
      return { ...p.base, keyword: 'RUN', command: p.command(p.args), heredocs: parseJsonArray(p.args) ? [] : line.heredocs };
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...p.base, keyword: line.keyword, command: p.command(p.args) };
    case 'COPY':
    case 'ADD':
      return parseCopy(p, line.keyword);
    case 'ENV':
    case 'LABEL':
      return { ...p.base, keyword: line.keyword, pairs: p.pairs(true) };
    case 'ARG':
      return { ...p.base, keyword: 'ARG', pairs: p.argDeclarations() };
    case 'MAINTAINER':
      return { ...p.base, keyword: 'MAINTAINER', value: p.args };
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      return { ...p.base, keyword: line.keyword, value: p.single() };
    case 'EXPOSE':
      return { ...p.base, keyword: 'EXPOSE', values: p.expandAll(p.args) };
    case 'VOLUME': {
      const json = parseJsonArray(p.args);
      return { ...p.base, keyword: 'VOLUME', values: json ? json.map((v) => p.expand(v).value) : p.expandAll(p.args) };
    }
    case 'ONBUILD':
      return parseOnbuild(p);
    case 'SHELL': {
      const json = parseJsonArray(p.args);
      if (!json || json.length === 0) p.fail('SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/bash", "-c"]');
      return { ...p.base, keyword: 'SHELL', values: json ?? [] };
    }
    default:
      return parseHealthcheck(p);
  }
}
