/**
 * BuildKit's word processing for the instructions it expands itself (FROM, COPY, ADD, ENV, ARG, LABEL, USER,
 * WORKDIR, EXPOSE, VOLUME, STOPSIGNAL): quote removal, the escape character, and `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR:+alt}`, `${VAR:?msg}` (with and without the colon), `${VAR#pat}`, `${VAR%pat}`
 * (and the greedy `##`, `%%`) and `${VAR/pat/repl}`. RUN, CMD and ENTRYPOINT are left to the shell.
 */

/**
 * The value of a variable, or undefined when it is not set (set-but-empty is ''). Null keeps every `$` expression
 * as written (ONBUILD triggers expand in a later build), removing only quotes and escapes.
 */
export type VariableLookup = ((name: string) => string | undefined) | null;

export interface ExpandedWord {
  value: string;
  /** Variables referred to without a value and without a default. */
  unresolved: string[];
  /** `${VAR:?message}` on an unset variable, an unterminated quote or `${`. */
  error: string | undefined;
}

/** A word as written (quotes and escapes kept) and where it sits in the text it was split from. */
export interface RawWord {
  text: string;
  start: number;
  end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Splits `text` on whitespace outside quotes, keeping quotes and escapes in each word (BuildKit's parseWords).
 * An escaped space does not split.
 */
export function splitRawWords(text: string, escapeChar: string): RawWord[] {
  const words: RawWord[] = [];
  let start = -1;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (start === -1) {
      if (/\s/.test(ch)) continue;
      start = i;
    }
    if (ch === escapeChar && quote !== "'") {
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (/\s/.test(ch)) {
      words.push({ text: text.slice(start, i), start, end: i });
      start = -1;
    }
  }
  if (start !== -1) words.push({ text: text.slice(start), start, end: text.length });
  return words;
}

function globToRegExpSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function trimPattern(value: string, pattern: string, fromStart: boolean, isGreedy: boolean): string {
  const re = new RegExp(`^${globToRegExpSource(pattern)}$`, 's');
  const lengths = [...Array(value.length + 1).keys()];
  if (isGreedy) lengths.reverse();
  for (const n of lengths) {
    const part = fromStart ? value.slice(0, n) : value.slice(value.length - n);
    if (re.test(part)) return fromStart ? value.slice(n) : value.slice(0, value.length - n);
  }
  return value;
}

class WordProcessor {
  private pos = 0;
  readonly unresolved = new Set<string>();
  error: string | undefined;

  constructor(
    private readonly src: string,
    private readonly escapeChar: string,
    private readonly lookup: VariableLookup,
  ) {}

  private fail(message: string): void {
    this.error ??= message;
  }

  /** Processes until `stop` (unquoted) or the end; consumes the stop character. */
  process(stop?: string): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos]!;
      if (stop !== undefined && ch === stop) {
        this.pos++;
        return out;
      }
      this.pos++;
      if (ch === "'") out += this.singleQuoted();
      else if (ch === '"') out += this.doubleQuoted();
      else if (ch === this.escapeChar) {
        if (this.pos < this.src.length) out += this.src[this.pos++];
      } else if (ch === '$') out += this.dollar();
      else out += ch;
    }
    if (stop !== undefined) this.fail(`missing '${stop}' in "${this.src}"`);
    return out;
  }

  private singleQuoted(): string {
    const close = this.src.indexOf("'", this.pos);
    if (close === -1) {
      this.fail(`unmatched single quote in "${this.src}"`);
      const rest = this.src.slice(this.pos);
      this.pos = this.src.length;
      return rest;
    }
    const text = this.src.slice(this.pos, close);
    this.pos = close + 1;
    return text;
  }

  private doubleQuoted(): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos++]!;
      if (ch === '"') return out;
      if (ch === '$') out += this.dollar();
      else if (ch === this.escapeChar && this.pos < this.src.length) {
        const next = this.src[this.pos]!;
        if (next === '"' || next === '$' || next === this.escapeChar) {
          out += next;
          this.pos++;
        } else out += ch;
      } else out += ch;
    }
    this.fail(`unmatched double quote in "${this.src}"`);
    return out;
  }

  private readName(): string {
    let name = '';
    while (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos]!)) name += this.src[this.pos++];
    return name;
  }

  /** A plain `$NAME` / `${NAME}`: an unset variable expands to nothing and is noted as unresolved. */
  private valueOf(name: string): string {
    const value = this.lookup!(name);
    if (value === undefined) this.unresolved.add(name);
    return value ?? '';
  }

  private dollar(): string {
    if (this.lookup === null) return this.literalDollar();
    const next = this.src[this.pos];
    if (next === undefined) return '$';
    if (next !== '{') {
      if (!NAME_START.test(next)) return '$';
      return this.valueOf(this.readName());
    }
    this.pos++;
    const name = this.readName();
    if (name === '') {
      this.fail(`bad substitution in "${this.src}"`);
      this.process('}');
      return '';
    }
    if (this.src[this.pos] === '}') {
      this.pos++;
      return this.valueOf(name);
    }
    return this.modifier(name);
  }

  /** The `$...` expression as written, for a word expanded in a later build. */
  private literalDollar(): string {
    const start = this.pos - 1;
    const next = this.src[this.pos];
    if (next === '{') {
      let depth = 0;
      for (; this.pos < this.src.length; this.pos++) {
        if (this.src[this.pos] === '{') depth++;
        else if (this.src[this.pos] === '}' && --depth === 0) break;
      }
      this.pos = Math.min(this.pos + 1, this.src.length);
    } else if (next !== undefined && NAME_START.test(next)) this.readName();
    return this.src.slice(start, this.pos);
  }

  private modifier(name: string): string {
    const rest = this.src.slice(this.pos);
    const op = /^(:[-+?]|[-+?]|##|#|%%|%|\/\/|\/)/.exec(rest)?.[1];
    if (!op) {
      this.fail(`unsupported modifier in \${${name}${rest.slice(0, 3)}...}`);
      this.process('}');
      return '';
    }
    this.pos += op.length;
    const value = this.lookup!(name);
    if (op.startsWith('/')) {
      const pattern = this.process('/');
      const replacement = this.process('}');
      if (value === undefined) return (this.unresolved.add(name), '');
      const re = new RegExp(globToRegExpSource(pattern), op === '//' ? 'gs' : 's');
      return value.replace(re, () => replacement);
    }
    const word = this.process('}');
    const isColon = op.startsWith(':');
    const isUnsetish = value === undefined || (isColon && value === '');
    switch (op.replace(':', '')) {
      case '-':
        return isUnsetish ? word : value!;
      case '+':
        return isUnsetish ? '' : word;
      case '?':
        if (isUnsetish) this.fail(`${name}: ${word || 'is not allowed to be unset'}`);
        return value ?? '';
      default: {
        if (value === undefined) return (this.unresolved.add(name), '');
        const fromStart = op.startsWith('#');
        return trimPattern(value, word, fromStart, op.length === 2);
      }
    }
  }
}

/** Removes quotes and escapes from one word and expands its variables. */
export function expandWord(word: string, lookup: VariableLookup, escapeChar: string): ExpandedWord {
  const processor = new WordProcessor(word, escapeChar, lookup);
  const value = processor.process();
  return { value, unresolved: [...processor.unresolved], error: processor.error };
}

/** Splits on unquoted whitespace, then expands each word. */
export function expandWords(text: string, lookup: VariableLookup, escapeChar: string): { values: string[]; unresolved: string[]; error: string | undefined } {
  const expanded = splitRawWords(text, escapeChar).map((w) => expandWord(w.text, lookup, escapeChar));
  return {
    values: expanded.map((e) => e.value),
    unresolved: [...new Set(expanded.flatMap((e) => e.unresolved))],
    error: expanded.find((e) => e.error)?.error,
  };
}
