import { compareSemVer, parseStrictSemVer, type SemVer } from './semver.version.ts';
import { defineScheme, fail, ok, type ParseResult } from './version-scheme.ts';

/**
 * Go versions as Go's tooling orders them (golang.org/x/mod/semver): module versions `vMAJOR[.MINOR[.PATCH]]`
 * with SemVer pre-releases (pseudo-versions are pre-releases, so they order by their base and timestamp) and
 * `+incompatible` build metadata that does not affect order. OSV's Go data writes the same versions without the
 * `v`, and the standard library's `go1.21.3` / `go1.21rc1` map to `1.21.3` / `1.21.0-rc.1` as the Go vulnerability
 * database does.
 */
export function parseGoVersion(raw: string): ParseResult<SemVer> {
  if (raw.startsWith('go')) return parseGoToolchainVersion(raw);
  const s = raw.startsWith('v') ? raw.slice(1) : raw;
  // x/mod/semver's shorthands: v1 == v1.0.0 and v1.2 == v1.2.0, but only without pre-release or build.
  const short = /^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/.exec(s);
  if (short) return ok({ major: short[1]!, minor: short[2] ?? '0', patch: '0', prerelease: [], build: [] });
  const parsed = parseStrictSemVer(s);
  return parsed.ok ? parsed : fail(`not a Go module version: ${JSON.stringify(raw.slice(0, 100))}`);
}

const TOOLCHAIN_RE = /^go(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?(?:(alpha|beta|rc)(0|[1-9][0-9]*))?$/;

/** `go1`, `go1.20`, `go1.21.3`, `go1.21rc1`, `go1.9beta2` (Go's own release names, as in `go version`). */
export function parseGoToolchainVersion(raw: string): ParseResult<SemVer> {
  const m = TOOLCHAIN_RE.exec(raw);
  if (!m) return fail(`not a Go release version: ${JSON.stringify(raw.slice(0, 100))}`);
  return ok({ major: m[1]!, minor: m[2] ?? '0', patch: m[3] ?? '0', prerelease: m[4] ? [m[4], m[5]!] : [], build: [] });
}

// x/mod/module's pseudo-version grammar: vX.0.0-yyyymmddhhmmss-abcdef, vX.Y.Z-pre.0.yyyy..., vX.Y.Z-0.yyyy...
const PSEUDO_RE = /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export function isGoPseudoVersion(raw: string): boolean {
  return PSEUDO_RE.test(raw) && parseGoVersion(raw).ok;
}

export const goScheme = defineScheme('go', parseGoVersion, compareSemVer);
