/**
 * The syntax tree of a Dockerfile, as BuildKit's frontend reads it. Every node carries the 1-based, inclusive
 * range of source lines it came from (continuation lines and heredoc bodies included).
 */

export interface LineRange {
  start: number;
  end: number;
}

/** `# syntax=...`, `# escape=...`, `# check=...` at the very top of the file. */
export interface ParserDirective {
  name: string;
  value: string;
  line: number;
}

export interface Comment {
  /** The text after `#`, trimmed. */
  text: string;
  line: number;
}

/** `--name=value` (or bare `--name`, value undefined) before an instruction's arguments. */
export interface InstructionFlag {
  name: string;
  value: string | undefined;
}

/** `<<EOF` ... `EOF` after RUN, COPY or ADD. */
export interface Heredoc {
  /** The terminator word, unquoted. */
  name: string;
  /** The body, each line ending in a newline; with `<<-` leading tabs are removed. */
  content: string;
  /** False when the word was quoted (`<<"EOF"`): the body is taken literally. */
  isExpanded: boolean;
  /** `<<-`: leading tabs stripped from the body and the terminator. */
  isChomped: boolean;
  /** The file descriptor written before `<<` (`2<<EOF`), if any. */
  fileDescriptor: number | undefined;
  /** The lines of the body and the terminator. */
  range: LineRange;
}

/** `["exe", "arg"]` runs without a shell; anything else runs under the stage's SHELL (`/bin/sh -c`). */
export type CommandLine = { form: 'exec'; args: string[] } | { form: 'shell'; text: string };

export interface KeyValue {
  key: string;
  /** After variable expansion and quote removal (ENV, LABEL); undefined for `ARG NAME` with no default. */
  value: string | undefined;
}

interface InstructionBase {
  /** Upper-cased keyword. */
  keyword: string;
  /** Everything after the keyword and flags, continuation lines joined, before expansion. */
  rawArgs: string;
  flags: InstructionFlag[];
  range: LineRange;
  /** Index of the stage the instruction belongs to; -1 for global ARGs before the first FROM. */
  stageIndex: number;
  /** Comment lines directly above the instruction (no blank line between). */
  comments: Comment[];
}

export interface FromInstruction extends InstructionBase {
  keyword: 'FROM';
  /** The image as written. */
  image: string;
  /** The image with global ARGs expanded. */
  imageExpanded: string;
  /** Variables the image referred to that have no value (the expanded image is then uncertain). */
  unresolvedVars: string[];
  /** `AS name`, lower-cased as BuildKit compares it. */
  alias: string | undefined;
  platform: string | undefined;
}

export interface RunInstruction extends InstructionBase {
  keyword: 'RUN';
  command: CommandLine;
  heredocs: Heredoc[];
}

export interface CmdInstruction extends InstructionBase {
  keyword: 'CMD' | 'ENTRYPOINT';
  command: CommandLine;
}

export interface CopyInstruction extends InstructionBase {
  keyword: 'COPY' | 'ADD';
  /** Sources after expansion; empty when the only sources are heredocs. */
  sources: string[];
  destination: string;
  isJsonForm: boolean;
  heredocs: Heredoc[];
}

export interface EnvInstruction extends InstructionBase {
  keyword: 'ENV' | 'LABEL' | 'ARG';
  pairs: KeyValue[];
}

/** USER, WORKDIR, MAINTAINER, STOPSIGNAL: one argument, expanded (MAINTAINER is not). */
export interface ValueInstruction extends InstructionBase {
  keyword: 'USER' | 'WORKDIR' | 'MAINTAINER' | 'STOPSIGNAL';
  value: string;
}

/** EXPOSE, VOLUME, SHELL: a list of words (JSON or space-separated), expanded where BuildKit expands. */
export interface ListInstruction extends InstructionBase {
  keyword: 'EXPOSE' | 'VOLUME' | 'SHELL';
  values: string[];
}

export interface HealthcheckInstruction extends InstructionBase {
  keyword: 'HEALTHCHECK';
  /** Undefined for `HEALTHCHECK NONE`. */
  command: CommandLine | undefined;
}

export interface OnbuildInstruction extends InstructionBase {
  keyword: 'ONBUILD';
  /** The trigger, parsed like any instruction but not expanded (it runs in a later build). */
  trigger: Instruction | undefined;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | CopyInstruction
  | EnvInstruction
  | ValueInstruction
  | ListInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

export interface Stage {
  index: number;
  from: FromInstruction;
  /** Lower-cased `AS` name. */
  name: string | undefined;
  /** The earlier stage this one builds on (`FROM builder`), if any. */
  baseStageIndex: number | undefined;
  /** The stage's instructions after FROM, in order. */
  instructions: Instruction[];
  range: LineRange;
}

export interface ParseProblem {
  message: string;
  range: LineRange;
}

export interface Dockerfile {
  directives: ParserDirective[];
  escapeChar: '\\' | '`';
  /** Every instruction in file order, global ARGs and FROMs included. */
  instructions: Instruction[];
  /** ARG instructions before the first FROM. */
  globalArgs: EnvInstruction[];
  stages: Stage[];
  comments: Comment[];
  /** Problems that make BuildKit refuse the file; the tree holds whatever could still be read. */
  errors: ParseProblem[];
  lineCount: number;
}
