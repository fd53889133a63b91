import { compareDigits, defineScheme, fail, ok, type Ordering, type ParseResult } from './version-scheme.ts';

/** An RPM `[epoch:]version[-release]`, split as rpm's parseEVR() does. Absent parts are null. */
export interface RpmVersion {
  epoch: string | null;
  version: string;
  release: string | null;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined): boolean => isDigit(c) || isAlpha(c);

/** rpmvercmp() from rpm 4.18: alternating digit and letter segments, `~` before anything, `^` after the base. */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;

    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;

    const isNum = isDigit(a[i]);
    const inSegment = isNum ? isDigit : isAlpha;
    let ie = i;
    let je = j;
    while (ie < a.length && inSegment(a[ie])) ie++;
    while (je < b.length && inSegment(b[je])) je++;
    // A numeric segment against an alpha one: the numeric one is newer.
    if (je === j) return isNum ? 1 : -1;
    const one = a.slice(i, ie);
    const two = b.slice(j, je);
    const rc = isNum ? compareDigits(one, two) : one === two ? 0 : one < two ? -1 : 1;
    if (rc) return rc;
    i = ie;
    j = je;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** rpmverParse(): only the empty string is refused; a missing epoch compares as 0. */
export function parseRpmVersion(raw: string): ParseResult<RpmVersion> {
  if (raw === '') return fail('version string is empty');
  let k = 0;
  while (k < raw.length && isDigit(raw[k])) k++;
  let epoch: string | null = null;
  let rest = raw;
  if (raw[k] === ':') {
    epoch = k === 0 ? '0' : raw.slice(0, k);
    rest = raw.slice(k + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  return ok({ epoch, version: hyphen === -1 ? rest : rest.slice(0, hyphen), release: hyphen === -1 ? null : rest.slice(hyphen + 1) });
}

/** rpm.vercmp() (rpmverCmp): epoch, then version, then release; a version without a release is the older. */
export function compareRpmVersions(a: RpmVersion, b: RpmVersion): Ordering {
  const byVersion = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0') || rpmvercmp(a.version, b.version);
  if (byVersion) return byVersion;
  if (a.release === null || b.release === null) return a.release === b.release ? 0 : a.release === null ? -1 : 1;
  return rpmvercmp(a.release, b.release);
}

export const rpmScheme = defineScheme('rpm', parseRpmVersion, compareRpmVersions);
