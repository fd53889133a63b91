/**
 * Enough of POSIX shell to find the simple commands in a RUN: quotes, escapes, comments, `$(...)`, the
 * operators `&& || ; | &` and newlines, subshells and groups, redirections (their targets dropped), leading
 * `NAME=value` assignments, and `sh -c '...'` scripts (their commands included). Not a shell: no expansion.
 */

export interface SimpleCommand {
  /** The words after leading assignments, quotes removed. */
  argv: string[];
  /** argv without wrappers (`sudo [-u x]`, `env [A=b]`, `time`, `nice`, `command`, `exec`, `xargs`). */
  program: string[];
  /** Whether `sudo` wrapped the command. */
  isSudo: boolean;
  /** Which pipeline of the script this command belongs to, and its place in it (0 = first). */
  pipeline: number;
  pipeIndex: number;
}

type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

const OPERATORS = ['&&', '||', ';;', '|&', '>>', '<<<', '<<', '&>', '>&', '<&', '>', '<', '|', '&', ';', '(', ')', '\n'];

function readBalanced(src: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\') i++;
    else if (ch === "'") i = Math.max(src.indexOf("'", i + 1), i);
    else if (ch === open) depth++;
    else if (ch === close && --depth === 0) return i + 1;
  }
  return src.length;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) tokens.push({ kind: 'word', text: word });
    word = undefined;
  };
  for (let i = 0; i < src.length; ) {
    const ch = src[i]!;
    if (ch === '\\') {
      if (src[i + 1] !== '\n') word = (word ?? '') + (src[i + 1] ?? '');
      i += 2;
    } else if (ch === "'") {
      const close = src.indexOf("'", i + 1);
      const end = close === -1 ? src.length : close;
      word = (word ?? '') + src.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      let text = '';
      for (i++; i < src.length && src[i] !== '"'; i++) {
        if (src[i] === '\\' && /["\\$`\n]/.test(src[i + 1] ?? '')) i++;
        text += src[i];
      }
      word = (word ?? '') + text;
      i++;
    } else if (ch === '$' && src[i + 1] === '(') {
      const end = readBalanced(src, i + 1, '(', ')');
      word = (word ?? '') + src.slice(i, end);
      i = end;
    } else if (ch === '`') {
      const close = src.indexOf('`', i + 1);
      const end = close === -1 ? src.length : close + 1;
      word = (word ?? '') + src.slice(i, end);
      i = end;
    } else if (ch === '#' && word === undefined) {
      const newline = src.indexOf('\n', i);
      i = newline === -1 ? src.length : newline;
    } else if (/[ \t\r]/.test(ch)) {
      endWord();
      i++;
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (!op) {
        word = (word ?? '') + ch;
        i++;
        continue;
      }
      // `2>&1`, `2>/dev/null`: a number right before a redirection is its file descriptor.
      if (/^[<>&]/.test(op) && op !== '&&' && op !== '&' && word !== undefined && /^\d+$/.test(word)) word = undefined;
      endWord();
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    }
  }
  endWord();
  return tokens;
}

const REDIRECTS = new Set(['>>', '<<<', '<<', '&>', '>&', '<&', '>', '<']);
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', '/bin/sh', '/bin/bash', '/bin/ash', '/bin/dash', '/bin/zsh', '/usr/bin/env']);
const WRAPPERS = new Set(['env', 'time', 'nice', 'command', 'exec', 'xargs', 'nohup', 'stdbuf']);
const ASSIGNMENT_RE = /^[A-Za-z_][A-Za-z0-9_]*=/;

function unwrap(argv: string[]): { program: string[]; isSudo: boolean } {
  let rest = argv;
  let isSudo = false;
  for (;;) {
    const head = rest[0];
    if (head === 'sudo') {
      isSudo = true;
      rest = rest.slice(1);
      // sudo's options that take a value: -u user, -g group, -C num, -D dir, -h host, -p prompt, -r role, -t type.
      while (rest[0]?.startsWith('-')) rest = rest.slice(/^-[ugCDhprtU]$/.test(rest[0]) ? 2 : 1);
    } else if (head !== undefined && WRAPPERS.has(head)) {
      rest = rest.slice(1);
      while (rest[0] !== undefined && (rest[0].startsWith('-') || ASSIGNMENT_RE.test(rest[0]))) rest = rest.slice(1);
    } else return { program: rest, isSudo };
  }
}

const LEADING_KEYWORDS = new Set(['{', '}', 'then', 'do', 'else', 'fi', 'done', '!', 'if', 'while', 'until', 'elif']);

/**
 * The simple commands of a shell script, in order (commands of `sh -c '...'` follow the sh command itself, in
 * pipelines of their own).
 */
export function parseShellCommands(script: string, counter = { pipeline: 0 }): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let pipeline = counter.pipeline++;
  let pipeIndex = 0;
  let words: string[] = [];
  const flush = () => {
    while (words[0] !== undefined && (LEADING_KEYWORDS.has(words[0]) || ASSIGNMENT_RE.test(words[0]))) words.shift();
    if (words.length > 0) {
      const { program, isSudo } = unwrap(words);
      commands.push({ argv: words, program, isSudo, pipeline, pipeIndex });
      const inner = program.indexOf('-c');
      if (SHELLS.has(program[0] ?? '') && inner !== -1 && program[inner + 1] !== undefined) commands.push(...parseShellCommands(program[inner + 1]!, counter));
    }
    words = [];
  };
  const tokens = tokenize(script);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'word') words.push(token.text);
    else if (REDIRECTS.has(token.text)) {
      if (tokens[i + 1]?.kind === 'word') i++;
    } else if (token.text === '|' || token.text === '|&') {
      flush();
      pipeIndex++;
    } else {
      flush();
      pipeline = counter.pipeline++;
      pipeIndex = 0;
    }
  }
  flush();
  return commands;
}
