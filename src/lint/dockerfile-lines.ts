/**
 * The first pass over a Dockerfile, as BuildKit's parser makes it: parser directives at the top, comments,
 * blank lines, continuation lines (comment and blank lines inside a continuation are skipped) and heredoc
 * bodies, giving one logical line per instruction with the range of source lines it spans.
 */
import type { Comment, Heredoc, LineRange, ParseProblem, ParserDirective } from './dockerfile.types.ts';
import { extractFlags, findHeredocWords, HEREDOC_KEYWORDS, parseJsonArray } from './instruction-args.ts';

export interface LogicalLine {
  /** Upper-cased. */
  keyword: string;
  /** The rest of the line, continuations joined, trimmed. */
  rest: string;
  range: LineRange;
  /** Comment lines directly above (no blank line between). */
  comments: Comment[];
  heredocs: Heredoc[];
}

export interface SourceLines {
  directives: ParserDirective[];
  escapeChar: '\\' | '`';
  lines: LogicalLine[];
  comments: Comment[];
  errors: ParseProblem[];
  lineCount: number;
}

const DIRECTIVE_RE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);

function readDirectives(lines: string[], errors: ParseProblem[]): ParserDirective[] {
  const directives: ParserDirective[] = [];
  for (const [i, line] of lines.entries()) {
    const match = DIRECTIVE_RE.exec(line);
    const name = match?.[1]!.toLowerCase();
    if (!match || !KNOWN_DIRECTIVES.has(name!)) break;
    if (directives.some((d) => d.name === name)) {
      errors.push({ message: `only one ${name} parser directive can be used`, range: { start: i + 1, end: i + 1 } });
    }
    directives.push({ name: name!, value: match[2]!, line: i + 1 });
  }
  return directives;
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function commentOf(line: string, index: number): Comment {
  return { text: line.trimStart().slice(1).trim(), line: index + 1 };
}

/** Whether a logical line's instruction (or ONBUILD's trigger) may carry heredocs, and its arguments. */
function heredocArgs(keyword: string, rest: string, escapeChar: string): string | undefined {
  let kw = keyword;
  let args = rest;
  if (kw === 'ONBUILD') {
    const inner = /^(\S+)\s*([\s\S]*)$/.exec(rest);
    if (!inner) return undefined;
    kw = inner[1]!.toUpperCase();
    args = inner[2]!;
  }
  if (!HEREDOC_KEYWORDS.has(kw)) return undefined;
  const { args: afterFlags } = extractFlags(args, escapeChar);
  return parseJsonArray(afterFlags) ? undefined : afterFlags;
}

export function readSourceLines(source: string): SourceLines {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const errors: ParseProblem[] = [];
  const directives = readDirectives(lines, errors);
  const escapeDirective = directives.find((d) => d.name === 'escape');
  let escapeChar: '\\' | '`' = '\\';
  if (escapeDirective) {
    if (escapeDirective.value === '`' || escapeDirective.value === '\\') escapeChar = escapeDirective.value;
    else errors.push({ message: `invalid escape token '${escapeDirective.value}' does not match ` + '` or \\', range: { start: escapeDirective.line, end: escapeDirective.line } });
  }
  const continuation = new RegExp(`${escapeChar === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const comments: Comment[] = [];
  const logical: LogicalLine[] = [];
  let pending: Comment[] = [];

  let i = directives.length;
  while (i < lines.length) {
    const first = lines[i]!;
    if (isBlank(first)) {
      pending = [];
      i++;
      continue;
    }
    if (isComment(first)) {
      const comment = commentOf(first, i);
      comments.push(comment);
      pending.push(comment);
      i++;
      continue;
    }
    const start = i + 1;
    let text = first.trimStart();
    let isContinued = continuation.test(text);
    if (isContinued) text = text.replace(continuation, '');
    while (isContinued && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (isComment(next)) {
        comments.push(commentOf(next, i));
        continue;
      }
      if (isBlank(next)) continue;
      isContinued = continuation.test(next);
      text += isContinued ? next.replace(continuation, '') : next;
    }
    const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trimStart());
    if (!match) {
      // Only a continuation character: nothing to run.
      pending = [];
      i++;
      continue;
    }
    const keyword = match[1]!.toUpperCase();
    const rest = match[2]!.trim();
    const heredocs: Heredoc[] = [];
    const args = heredocArgs(keyword, rest, escapeChar);
    for (const word of args === undefined ? [] : findHeredocWords(args)) {
      const bodyStart = i + 2;
      let content = '';
      let isTerminated = false;
      while (i + 1 < lines.length) {
        i++;
        const line = lines[i]!;
        const candidate = word.isChomped ? line.replace(/^\t+/, '') : line;
        if (candidate === word.name) {
          isTerminated = true;
          break;
        }
        content += `${candidate}\n`;
      }
      if (!isTerminated) errors.push({ message: `unterminated heredoc <<${word.name}`, range: { start: bodyStart - 1, end: i + 1 } });
      heredocs.push({ ...word, content, range: { start: bodyStart, end: i + 1 } });
    }
    logical.push({ keyword, rest, range: { start, end: i + 1 }, comments: pending, heredocs });
    pending = [];
    i++;
  }
  return { directives, escapeChar, lines: logical, comments, errors, lineCount: lines.length };
}
