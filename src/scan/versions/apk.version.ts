import { defineScheme, fail, ok, type Ordering, type ParseResult } from './version-scheme.ts';

/**
 * Alpine's apk version order, a token-by-token port of apk-tools' `apk_version_compare()` (the tokenizer
 * introduced in 2.12 and kept in 3.x, which Alpine 3.13 onwards ships), for the grammar
 * `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`:
 *  - numbers compare numerically, except that a dotted component with a leading zero on either side compares
 *    as a string (Gentoo's rule, so 1.02 < 1.1);
 *  - suffixes _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p;
 *  - when one version runs out first, the other is newer unless what it has left is a pre-release suffix.
 * apk compares any two strings (it never refuses one); `isApkVersionValid` says whether apk would accept it.
 */

const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

// Suffix ranks; NONE is the pivot between pre-release and post-release suffixes.
const SUFFIX_INVALID = 0;
const SUFFIX_NONE = 5;
const SUFFIX_RANK: Record<string, number> = { alpha: 1, beta: 2, pre: 3, rc: 4, '': SUFFIX_NONE, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };

interface Token {
  token: number;
  suffix: number;
  value: string;
  number: bigint;
}

interface Cursor {
  s: string;
  pos: number;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isHex = (c: string | undefined): boolean => isDigit(c) || (c !== undefined && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));

function span(cur: Cursor, accept: (c: string | undefined) => boolean): string {
  const start = cur.pos;
  while (cur.pos < cur.s.length && accept(cur.s[cur.pos])) cur.pos++;
  return cur.s.slice(start, cur.pos);
}

function parseDigits(t: Token, cur: Cursor): void {
  t.value = span(cur, isDigit);
  // apk_blob_pull_uint accumulates into a 64-bit unsigned integer.
  t.number = t.value === '' ? 0n : BigInt.asUintN(64, BigInt(t.value));
  if (t.value === '') t.token = INVALID;
}

function first(cur: Cursor): Token {
  const t: Token = { token: INITIAL_DIGIT, suffix: SUFFIX_INVALID, value: '', number: 0n };
  parseDigits(t, cur);
  return t;
}

function next(t: Token, cur: Cursor): void {
  if (cur.pos >= cur.s.length) {
    t.token = END;
    return;
  }
  const c = cur.s[cur.pos];
  if (isLower(c)) {
    if (t.token > DIGIT) return void (t.token = INVALID);
    t.value = c!;
    t.token = LETTER;
    cur.pos++;
    return;
  }
  if (c === '.' || isDigit(c)) {
    if (c === '.') {
      if (t.token > DIGIT) return void (t.token = INVALID);
      cur.pos++;
    }
    if (t.token === INITIAL_DIGIT || t.token === DIGIT) t.token = DIGIT;
    else if (t.token === SUFFIX) t.token = SUFFIX_NO;
    else return void (t.token = INVALID);
    parseDigits(t, cur);
    return;
  }
  if (c === '_') {
    if (t.token > SUFFIX_NO) return void (t.token = INVALID);
    cur.pos++;
    t.value = span(cur, isLower);
    t.suffix = SUFFIX_RANK[t.value] ?? SUFFIX_INVALID;
    t.token = t.suffix === SUFFIX_INVALID ? INVALID : SUFFIX;
    return;
  }
  if (c === '~') {
    if (t.token >= COMMIT_HASH) return void (t.token = INVALID);
    cur.pos++;
    t.value = span(cur, isHex);
    t.token = t.value === '' ? INVALID : COMMIT_HASH;
    return;
  }
  if (c === '-') {
    if (t.token >= REVISION_NO || cur.s[cur.pos + 1] !== 'r') return void (t.token = INVALID);
    cur.pos += 2;
    t.token = REVISION_NO;
    parseDigits(t, cur);
    return;
  }
  t.token = INVALID;
}

// apk_blob_sort(): memcmp over the common length, then the shorter first.
function blobSort(a: string, b: string): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) < b.charCodeAt(i) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function tokenCmp(a: Token, b: Token): Ordering {
  let x: bigint;
  let y: bigint;
  // A dotted component with a leading zero on either side compares as a string; otherwise numerically.
  if (a.token === DIGIT && (a.value.startsWith('0') || b.value.startsWith('0'))) return blobSort(a.value, b.value);
  switch (a.token) {
    case DIGIT:
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      x = a.number;
      y = b.number;
      break;
    case LETTER:
      x = BigInt(a.value.charCodeAt(0));
      y = BigInt(b.value.charCodeAt(0));
      break;
    case SUFFIX:
      x = BigInt(a.suffix);
      y = BigInt(b.suffix);
      break;
    default:
      return blobSort(a.value, b.value);
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

/** apk_version_compare(): defined for any two strings, as apk itself compares them. */
export function apkCompare(a: string, b: string): Ordering {
  const ca: Cursor = { s: a, pos: 0 };
  const cb: Cursor = { s: b, pos: 0 };
  const ta = first(ca);
  const tb = first(cb);
  while (ta.token === tb.token && ta.token < END) {
    const r = tokenCmp(ta, tb);
    if (r !== 0) return r;
    next(ta, ca);
    next(tb, cb);
  }
  if (ta.token === tb.token) return 0;
  if (ta.token === SUFFIX && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === SUFFIX && tb.suffix < SUFFIX_NONE) return 1;
  if (ta.token > tb.token) return -1;
  if (tb.token > ta.token) return 1;
  return 0;
}

/** apk_version_validate(): whether apk accepts `raw` as a package version. */
export function isApkVersionValid(raw: string): boolean {
  const cur: Cursor = { s: raw, pos: 0 };
  const t = first(cur);
  while (t.token < END) next(t, cur);
  return t.token === END;
}

// apk compares any string, so parsing refuses only the empty string.
function parseApkVersion(raw: string): ParseResult<string> {
  return raw === '' ? fail('version string is empty') : ok(raw);
}

export const apkScheme = defineScheme('apk', parseApkVersion, apkCompare);
