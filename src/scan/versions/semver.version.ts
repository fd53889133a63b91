import { compareDigits, compareStrings, defineScheme, fail, ok, type Ordering, type ParseResult } from './version-scheme.ts';

/** A SemVer 2.0.0 version. Numeric parts stay digit strings so arbitrarily large numbers compare exactly. */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
  build: string[];
}

const NUM = '0|[1-9][0-9]*';
const PRE_ID = `(?:${NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = '[0-9A-Za-z-]+';
const SEMVER_RE = new RegExp(`^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`);

/** Strict SemVer 2.0.0 (semver.org's grammar): no prefix, no leading zeros, no surrounding space. */
export function parseStrictSemVer(raw: string): ParseResult<SemVer> {
  const m = SEMVER_RE.exec(raw);
  if (!m) return fail(`not a SemVer 2.0.0 version: ${JSON.stringify(raw.slice(0, 100))}`);
  return ok({ major: m[1]!, minor: m[2]!, patch: m[3]!, prerelease: m[4] ? m[4].split('.') : [], build: m[5] ? m[5].split('.') : [] });
}

/**
 * What npm (node-semver, non-loose) accepts: surrounding whitespace and one leading `v` are allowed, the rest
 * is strict SemVer 2.0.0.
 */
export function parseNpmVersion(raw: string): ParseResult<SemVer> {
  const s = raw.trim();
  if (s.length > 256) return fail('version is longer than 256 characters');
  return parseStrictSemVer(s.startsWith('v') ? s.slice(1) : s);
}

function compareIdentifiers(a: string, b: string): Ordering {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return compareDigits(a, b);
  if (an !== bn) return an ? -1 : 1;
  return compareStrings(a, b);
}

/** SemVer 2.0.0 precedence (section 11): build metadata is ignored, a pre-release sorts before its release. */
export function compareSemVer(a: SemVer, b: SemVer): Ordering {
  const core = compareDigits(a.major, b.major) || compareDigits(a.minor, b.minor) || compareDigits(a.patch, b.patch);
  if (core) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifiers(a.prerelease[i]!, b.prerelease[i]!);
    if (c) return c;
  }
  return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length < b.prerelease.length ? -1 : 1;
}

/** npm packages, and OSV's SEMVER range type. */
export const semverScheme = defineScheme('semver', parseNpmVersion, compareSemVer);
