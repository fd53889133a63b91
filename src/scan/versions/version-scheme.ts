/**
 * The contract every ecosystem's version comparator implements. All functions are pure, synchronous and never
 * throw: odd input is a typed parse error, never a crash.
 */
export type Ordering = -1 | 0 | 1;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export type SchemeName = 'dpkg' | 'apk' | 'rpm' | 'semver' | 'pep440' | 'maven' | 'go' | 'rubygems';

export interface VersionScheme<T = unknown> {
  readonly name: SchemeName;
  /** Parses `raw` as the ecosystem's own tool would; an error says why it refuses it. */
  parse(raw: string): ParseResult<T>;
  /** True when `parse` accepts `raw`. */
  isValid(raw: string): boolean;
  /** The ordering of two versions, or the parse error of the first one that does not parse. */
  tryCompare(a: string, b: string): ParseResult<Ordering>;
  /**
   * A total order: valid versions compare as the ecosystem's tool does; an unparseable version sorts before
   * every valid one, and unparseable ones among themselves by UTF-16 code units. Use `tryCompare` to know.
   */
  compare(a: string, b: string): Ordering;
}

export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: string): ParseResult<T> {
  return { ok: false, error };
}

/** Compares two strings of ASCII digits numerically, at any length (leading zeros ignored). */
export function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Plain code-unit comparison (C's strcmp on ASCII, Ruby's and Python's str comparison on ASCII). */
export function compareStrings(a: string, b: string): Ordering {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Builds the four functions of a scheme from its parser and the comparison of two parsed versions. */
export function defineScheme<T>(name: SchemeName, parse: (raw: string) => ParseResult<T>, compareParsed: (a: T, b: T) => Ordering): VersionScheme<T> {
  const tryCompare = (a: string, b: string): ParseResult<Ordering> => {
    const pa = parse(a);
    if (!pa.ok) return fail(pa.error);
    const pb = parse(b);
    if (!pb.ok) return fail(pb.error);
    return ok(compareParsed(pa.value, pb.value));
  };
  return {
    name,
    parse,
    isValid: (raw) => parse(raw).ok,
    tryCompare,
    compare(a, b) {
      const pa = parse(a);
      const pb = parse(b);
      if (pa.ok && pb.ok) return compareParsed(pa.value, pb.value);
      if (pa.ok !== pb.ok) return pa.ok ? 1 : -1;
      return compareStrings(a, b);
    },
  };
}
