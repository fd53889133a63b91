/** Pieces of instruction syntax shared by the line reader and the instruction parser. */
import type { InstructionFlag } from './dockerfile.types.ts';
import { expandWord, splitRawWords } from './word-expander.ts';

/** The instructions whose arguments may hold heredocs (`RUN <<EOF`), as in BuildKit. */
export const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/** `RUN ["a", "b"]`: the strings when `text` is a JSON array of strings, else undefined (shell form). */
export function parseJsonArray(text: string): string[] | undefined {
  if (!text.trimStart().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  } catch {
    // Not JSON: BuildKit then takes the text as shell form.
  }
  return undefined;
}

/** Leading `--name[=value]` words (up to a bare `--` or the first other word), values unquoted, not expanded. */
export function extractFlags(rest: string, escapeChar: string): { flags: InstructionFlag[]; args: string } {
  const flags: InstructionFlag[] = [];
  const words = splitRawWords(rest, escapeChar);
  let argsStart = rest.length;
  for (const [i, word] of words.entries()) {
    if (word.text === '--') {
      argsStart = words[i + 1]?.start ?? rest.length;
      break;
    }
    if (!word.text.startsWith('--')) {
      argsStart = word.start;
      break;
    }
    const eq = word.text.indexOf('=');
    const name = (eq === -1 ? word.text.slice(2) : word.text.slice(2, eq)).toLowerCase();
    // Quotes go now; variables stay for the instruction to expand in its own scope (FROM --platform=$BUILDPLATFORM).
    const value = eq === -1 ? undefined : expandWord(word.text.slice(eq + 1), null, escapeChar).value;
    flags.push({ name, value });
  }
  return { flags, args: rest.slice(argsStart).trim() };
}

export interface HeredocWord {
  name: string;
  isChomped: boolean;
  isExpanded: boolean;
  fileDescriptor: number | undefined;
}

const HEREDOC_RE = /^(\d*)<<(-?)([^<]*)$/;

/** Whether a raw word opens a heredoc (`<<EOF`, `<<-"EOF"`, `2<<EOF`). */
export function isHeredocWord(raw: string): boolean {
  const match = HEREDOC_RE.exec(raw);
  return match !== null && match[3] !== '';
}

/** The heredocs a RUN/COPY/ADD line opens, in order (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`). */
export function findHeredocWords(args: string): HeredocWord[] {
  if (!args.includes('<<')) return [];
  const found: HeredocWord[] = [];
  // BuildKit lexes heredoc words with the default escape, whatever the file's escape directive says.
  for (const word of splitRawWords(args, '\\')) {
    const match = HEREDOC_RE.exec(word.text);
    if (!match || match[3] === '') continue;
    const name = expandWord(match[3]!, () => undefined, '\\').value;
    if (name === '') continue;
    found.push({
      name,
      isChomped: match[2] === '-',
      isExpanded: !/["']/.test(match[3]!),
      fileDescriptor: match[1] ? Number(match[1]) : undefined,
    });
  }
  return found;
}

/** The flags each instruction accepts (BuildKit, including labs features); others are a parse error. */
export const ALLOWED_FLAGS: Record<string, readonly string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security', 'device'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude', 'unpack'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

export function flagValue(flags: readonly InstructionFlag[], name: string): string | undefined {
  return flags.find((f) => f.name === name)?.value;
}
