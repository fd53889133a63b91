import { compareDigits, compareStrings, defineScheme, fail, ok, type Ordering, type ParseResult } from './version-scheme.ts';

/**
 * Maven's `ComparableVersion` (as in Debian's maven-artifact 3.8.7, which has MNG-7644: `.X` = `-X` for a
 * qualifier X): a version is a list of items, `.` separating items and `-`
 * (or a switch between digits and letters) opening a nested sub-list. Numbers compare numerically; known
 * qualifiers as alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp; unknown
 * qualifiers after those, among themselves alphabetically (case-insensitively). Trailing zeros and release
 * qualifiers are dropped, so 1 = 1.0 = 1-ga = 1.0.0-final.
 */
export type MavenItem = { kind: 'int'; digits: string } | { kind: 'string'; value: string } | { kind: 'list'; items: MavenItem[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function stringItem(value: string, followedByDigit: boolean): MavenItem {
  let v = value;
  if (followedByDigit && v.length === 1) {
    if (v === 'a') v = 'alpha';
    else if (v === 'b') v = 'beta';
    else if (v === 'm') v = 'milestone';
  }
  return { kind: 'string', value: ALIASES[v] ?? v };
}

function parseItem(isDigit: boolean, buf: string): MavenItem {
  return isDigit ? { kind: 'int', digits: buf.replace(/^0+/, '') || '0' } : stringItem(buf, false);
}

function isNullItem(item: MavenItem): boolean {
  if (item.kind === 'int') return item.digits === '0';
  if (item.kind === 'string') return comparableQualifier(item.value) === RELEASE_INDEX;
  return item.items.length === 0;
}

function normalize(list: MavenItem[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!;
    if (isNullItem(last)) list.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

// Java's Character.isDigit is Unicode-aware, but only ASCII digits appear in real versions; keep to those.
const isDigitChar = (c: string): boolean => c >= '0' && c <= '9';

export function parseMavenVersion(raw: string): ParseResult<MavenItem> {
  if (raw === '') return fail('version string is empty');
  const version = raw.toLowerCase();
  const root: MavenItem[] = [];
  let list = root;
  const stack: MavenItem[][] = [root];
  const open = (): void => {
    const sub: MavenItem[] = [];
    list.push({ kind: 'list', items: sub });
    list = sub;
    stack.push(sub);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < version.length; i++) {
    const c = version[i]!;
    if (c === '.' || c === '-') {
      list.push(i === start ? { kind: 'int', digits: '0' } : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
      if (c === '-') open();
    } else if (isDigitChar(c)) {
      if (!isDigit && i > start) {
        // 1.0.0.X1 < 1.0.0-X2: a qualifier after `.` opens a sub-list as if it followed `-`.
        if (list.length > 0) open();
        list.push(stringItem(version.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, version.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    if (!isDigit && list.length > 0) open();
    list.push(parseItem(isDigit, version.slice(start)));
  }
  while (stack.length > 0) normalize(stack.pop()!);
  return ok({ kind: 'list', items: root });
}

/** ComparableVersion's Item.compareTo, `b === null` standing for a missing item. */
function compareItem(a: MavenItem, b: MavenItem | null): Ordering {
  switch (a.kind) {
    case 'int':
      if (b === null) return a.digits === '0' ? 0 : 1;
      return b.kind === 'int' ? compareDigits(a.digits, b.digits) : 1;
    case 'string':
      if (b === null) return compareStrings(comparableQualifier(a.value), RELEASE_INDEX);
      if (b.kind === 'string') return compareStrings(comparableQualifier(a.value), comparableQualifier(b.value));
      return -1;
    case 'list': {
      if (b === null) {
        for (const item of a.items) {
          const r = compareItem(item, null);
          if (r) return r;
        }
        return 0;
      }
      if (b.kind === 'int') return -1;
      if (b.kind === 'string') return 1;
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i] ?? null;
        const r = b.items[i] ?? null;
        const result = l === null ? (r === null ? 0 : (-compareItem(r, l) as Ordering)) : compareItem(l, r);
        if (result) return result;
      }
      return 0;
    }
  }
}

export function compareMavenVersions(a: MavenItem, b: MavenItem): Ordering {
  return compareItem(a, b);
}

/** The canonical form Maven prints (`ComparableVersion.getCanonical()`), handy for equality and display. */
export function mavenCanonical(item: MavenItem): string {
  if (item.kind === 'int') return item.digits;
  if (item.kind === 'string') return item.value;
  let s = '';
  for (const it of item.items) {
    if (s.length > 0) s += it.kind === 'list' ? '-' : '.';
    s += mavenCanonical(it);
  }
  return s;
}

export const mavenScheme = defineScheme('maven', parseMavenVersion, compareMavenVersions);
