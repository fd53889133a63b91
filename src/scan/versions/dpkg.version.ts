import { compareDigits, defineScheme, fail, ok, sign, type Ordering, type ParseResult } from './version-scheme.ts';

/** A Debian version `[epoch:]upstream[-revision]`, split as dpkg's parseversion() does. */
export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const INT_MAX = 2147483647;

/**
 * Accepts what `dpkg --compare-versions` accepts: dpkg's hard errors (empty, embedded spaces, bad epoch,
 * empty upstream or revision) fail; its mere warnings (no leading digit, odd characters) do not, because dpkg
 * still compares such versions and so must we.
 */
export function parseDpkgVersion(raw: string): ParseResult<DpkgVersion> {
  // dpkg trims and splits on c_isblank (space and tab) only; other control characters are mere odd characters.
  const s = raw.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  if (s === '') return fail('version string is empty');
  if (/[ \t]/.test(s)) return fail('version string has embedded spaces');
  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon !== -1) {
    // strtol(): optional C whitespace, optional sign, digits; it must stop exactly at the colon.
    const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(s);
    if (!m) return fail('epoch in version is empty');
    if (m[0].length !== colon) return fail('epoch in version is not number');
    const negative = m[1] === '-' && /[1-9]/.test(m[2]!);
    if (negative) return fail('epoch in version is negative');
    if (compareDigits(m[2]!, String(INT_MAX)) > 0) return fail('epoch in version is too big');
    epoch = Number(m[2]);
    rest = s.slice(colon + 1);
    if (rest === '') return fail('nothing after colon in version number');
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (hyphen !== -1 && revision === '') return fail('revision number is empty');
  if (upstream === '') return fail('version number is empty');
  return ok({ epoch, upstream, revision });
}

/** Debian Policy 5.6.12 validity: what dpkg accepts without even a warning. */
export function isStrictDpkgVersion(raw: string): boolean {
  const p = parseDpkgVersion(raw);
  if (!p.ok) return false;
  return /^[0-9][A-Za-z0-9.+~:-]*$/.test(p.value.upstream) && /^[A-Za-z0-9.+~]*$/.test(p.value.revision);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

// dpkg's order(): digits 0, letters their code, '~' below everything (even the end), others above letters.
function order(c: number): number {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  if (c) return c + 256;
  return 0;
}

/** dpkg's verrevcmp() on one part (upstream or revision); a code of 0 stands for the end of the string. */
export function dpkgVerrevcmp(a: string, b: string): Ordering {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  let i = 0;
  let j = 0;
  const at = (buf: Buffer, k: number): number => (k < buf.length ? buf[k]! : 0);
  while (at(ab, i) || at(bb, j)) {
    let firstDiff = 0;
    while ((at(ab, i) && !isDigit(at(ab, i))) || (at(bb, j) && !isDigit(at(bb, j)))) {
      const ac = order(at(ab, i));
      const bc = order(at(bb, j));
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (at(ab, i) === 48) i++;
    while (at(bb, j) === 48) j++;
    while (isDigit(at(ab, i)) && isDigit(at(bb, j))) {
      if (!firstDiff) firstDiff = at(ab, i) - at(bb, j);
      i++;
      j++;
    }
    if (isDigit(at(ab, i))) return 1;
    if (isDigit(at(bb, j))) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

export function compareDpkgVersions(a: DpkgVersion, b: DpkgVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return dpkgVerrevcmp(a.upstream, b.upstream) || dpkgVerrevcmp(a.revision, b.revision);
}

export const dpkgScheme = defineScheme('dpkg', parseDpkgVersion, compareDpkgVersions);
