import { compareDigits, compareStrings, defineScheme, fail, ok, type Ordering, type ParseResult } from './version-scheme.ts';

/** A PEP 440 version in normalised form, as Python's `packaging.version.Version` holds it. */
export interface Pep440Version {
  epoch: string;
  release: string[];
  pre: { label: 'a' | 'b' | 'rc'; n: string } | null;
  post: string | null;
  dev: string | null;
  local: string[] | null;
}

// packaging's VERSION_PATTERN (re.VERBOSE | re.IGNORECASE), anchored with surrounding whitespace.
const PEP440_RE = new RegExp(
  '^\\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\\.[0-9]+)*)' +
    '([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?' +
    '((?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?' +
    '([-_.]?(dev)[-_.]?([0-9]+)?)?)' +
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

const PRE_LABELS: Record<string, 'a' | 'b' | 'rc'> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };

const strip = (digits: string): string => digits.replace(/^0+(?=.)/, '');

export function parsePep440Version(raw: string): ParseResult<Pep440Version> {
  const m = PEP440_RE.exec(raw);
  if (!m) return fail(`invalid PEP 440 version: ${JSON.stringify(raw.slice(0, 100))}`);
  const post = m[6] === undefined ? null : strip(m[7] ?? m[9] ?? '0');
  return ok({
    epoch: strip(m[1] ?? '0'),
    release: m[2]!.split('.').map(strip),
    pre: m[3] === undefined ? null : { label: PRE_LABELS[m[4]!.toLowerCase()]!, n: strip(m[5] ?? '0') },
    post,
    dev: m[10] === undefined ? null : strip(m[12] ?? '0'),
    local: m[13] === undefined ? null : m[13].toLowerCase().split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? strip(p) : p)),
  });
}

/** The canonical string form (`str(Version(raw))`): `1.0a1`, `1!2.0.post1.dev3+ubuntu.1`. */
export function normalizePep440(v: Pep440Version): string {
  let s = v.epoch !== '0' ? `${v.epoch}!` : '';
  s += v.release.join('.');
  if (v.pre) s += `${v.pre.label}${v.pre.n}`;
  if (v.post !== null) s += `.post${v.post}`;
  if (v.dev !== null) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join('.')}`;
  return s;
}

// packaging's _cmpkey uses ±Infinity sentinels; these ranks encode them for each optional part.
function compareRelease(a: string[], b: string[]): Ordering {
  const trim = (r: string[]): string[] => {
    let n = r.length;
    while (n > 0 && r[n - 1] === '0') n--;
    return r.slice(0, n);
  };
  const x = trim(a);
  const y = trim(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareDigits(x[i]!, y[i]!);
    if (c) return c;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

function comparePre(a: Pep440Version, b: Pep440Version): Ordering {
  // No pre-release but a dev release (1.0.dev0) sorts before every pre-release of 1.0; no pre-release at all after.
  const rank = (v: Pep440Version): number => (v.pre ? 1 : v.post === null && v.dev !== null ? 0 : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra !== 1) return 0;
  return compareStrings(a.pre!.label, b.pre!.label) || compareDigits(a.pre!.n, b.pre!.n);
}

function compareOptional(a: string | null, b: string | null, absent: -1 | 1): Ordering {
  if (a === null || b === null) return a === b ? 0 : a === null ? absent : (-absent as Ordering);
  return compareDigits(a, b);
}

function compareLocal(a: string[] | null, b: string[] | null): Ordering {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    // A numeric segment sorts after an alphanumeric one.
    const c = xn && yn ? compareDigits(x, y) : xn !== yn ? (xn ? 1 : -1) : compareStrings(x, y);
    if (c) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function comparePep440(a: Pep440Version, b: Pep440Version): Ordering {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    comparePre(a, b) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareLocal(a.local, b.local)
  );
}

/** PEP 503 name normalisation: runs of `-`, `_`, `.` become one `-`, lower case. */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export const pep440Scheme = defineScheme('pep440', parsePep440Version, comparePep440);
