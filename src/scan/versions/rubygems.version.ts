import { compareDigits, compareStrings, defineScheme, fail, ok, type Ordering, type ParseResult } from './version-scheme.ts';

/** A `Gem::Version`: its canonical segments (digit strings or letter runs). */
export interface GemVersion {
  version: string;
  canonical: string[];
}

// Gem::Version::ANCHORED_VERSION_PATTERN (RubyGems 3.3).
// Ruby's \s is ASCII whitespace only.
const GEM_RE = /^[ \t\r\n\f\v]*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?[ \t\r\n\f\v]*$/;
const isNumeric = (s: string): boolean => /^[0-9]+$/.test(s);

/** Gem::Version.new: strips, treats an empty string as "0", and reads `-` as `.pre.` (a prerelease). */
export function parseGemVersion(raw: string): ParseResult<GemVersion> {
  if (!GEM_RE.test(raw)) return fail(`Malformed version number string ${raw.slice(0, 100)}`);
  const stripped = raw.replace(/^[ \t\r\n\f\v]+|[ \t\r\n\f\v]+$/g, '');
  const version = (stripped === '' ? '0' : stripped).replace(/-/g, '.pre.');
  const segments = version.match(/[0-9]+|[a-z]+/gi) ?? [];
  // canonical_segments: the numeric part and the part from the first letters on, each without trailing zeros.
  const firstString = segments.findIndex((s) => !isNumeric(s));
  const split = firstString === -1 ? [segments] : [segments.slice(0, firstString), segments.slice(firstString)];
  const canonical = split.flatMap((part) => {
    let n = part.length;
    while (n > 0 && isNumeric(part[n - 1]!) && compareDigits(part[n - 1]!, '0') === 0) n--;
    return part.slice(0, n);
  });
  return ok({ version, canonical });
}

export function isGemPrerelease(v: GemVersion): boolean {
  return /[a-zA-Z]/.test(v.version);
}

/** Gem::Version#<=>: segment by segment, a missing segment is 0, letters sort before numbers. */
export function compareGemVersions(a: GemVersion, b: GemVersion): Ordering {
  if (a.version === b.version) return 0;
  const n = Math.max(a.canonical.length, b.canonical.length);
  for (let i = 0; i < n; i++) {
    const l = a.canonical[i] ?? '0';
    const r = b.canonical[i] ?? '0';
    const ln = isNumeric(l);
    const rn = isNumeric(r);
    if (ln && rn) {
      const c = compareDigits(l, r);
      if (c) return c;
      continue;
    }
    if (l === r) continue;
    if (!ln && rn) return -1;
    if (ln && !rn) return 1;
    return compareStrings(l, r);
  }
  return 0;
}

export const rubygemsScheme = defineScheme('rubygems', parseGemVersion, compareGemVersions);
