/**
 * OSV ecosystem names: the base ecosystem, the version scheme it uses, its optional release suffix
 * (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`, `Ubuntu:Pro:18.04:LTS`), matching a record's ecosystem to
 * an image's detected OS release, and package-name normalisation per ecosystem.
 */
import { normalizePypiName } from '../versions/pep440.version.ts';
import type { SchemeName } from '../versions/version-scheme.ts';

export interface Ecosystem {
  /** The ecosystem without release, as OSV spells it: `Debian`, `PyPI`, `Red Hat`. */
  base: string;
  /** The release, normalised for comparison (`12`, `3.19`, `22.04`); undefined when the name has none. */
  release?: string;
  /** A variant inside a release (`Pro` for Ubuntu Pro); undefined for the plain distribution. */
  variant?: string;
}

const SCHEME_BY_BASE: Record<string, SchemeName> = {
  debian: 'dpkg',
  ubuntu: 'dpkg',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  'red hat': 'rpm',
  almalinux: 'rpm',
  'rocky linux': 'rpm',
  opensuse: 'rpm',
  suse: 'rpm',
  mageia: 'rpm',
  'photon os': 'rpm',
  'azure linux': 'rpm',
  openeuler: 'rpm',
  npm: 'semver',
  'crates.io': 'semver',
  hex: 'semver',
  pypi: 'pep440',
  maven: 'maven',
  go: 'go',
  rubygems: 'rubygems',
};

/** The version scheme of an ecosystem's ECOSYSTEM ranges, or undefined when Berth has none for it. */
export function schemeForEcosystem(ecosystem: string): SchemeName | undefined {
  return SCHEME_BY_BASE[parseEcosystem(ecosystem).base.toLowerCase()];
}

function normalizeRelease(base: string, release: string): string {
  const b = base.toLowerCase();
  if (b === 'alpine') {
    // Alpine:v3.19 in OSV; VERSION_ID 3.19.1 in the image.
    const m = /^v?(\d+)\.(\d+)/.exec(release);
    return m ? `${m[1]}.${m[2]}` : release.replace(/^v/, '');
  }
  if (b === 'debian' || b === 'almalinux' || b === 'rocky linux' || b === 'mageia' || b === 'azure linux') {
    // Debian:12 in OSV; VERSION_ID 12, /etc/debian_version 12.5.
    const m = /^(\d+)(?:\.\d+)*$/.exec(release);
    return m ? m[1]! : release;
  }
  return release;
}

/** Splits an OSV ecosystem string; never throws. */
export function parseEcosystem(raw: string): Ecosystem {
  const colon = raw.indexOf(':');
  if (colon === -1) return { base: raw };
  const base = raw.slice(0, colon);
  const rest = raw.slice(colon + 1);
  if (base.toLowerCase() === 'ubuntu') {
    // Ubuntu:22.04:LTS, Ubuntu:Pro:18.04:LTS, Ubuntu:Pro:FIPS:20.04:LTS, Ubuntu:24.10.
    const parts = rest.split(':').filter((p) => p !== '' && p !== 'LTS');
    const i = parts.findIndex((p) => /^\d+\.\d+$/.test(p));
    if (i === -1) return { base, release: rest };
    const variant = parts.filter((_, k) => k !== i).join(':');
    return variant === '' ? { base, release: parts[i]! } : { base, release: parts[i]!, variant };
  }
  return rest === '' ? { base } : { base, release: normalizeRelease(base, rest) };
}

/** What an image is known to run: the OS ecosystem and release, or a language ecosystem (no release). */
export interface EcosystemQuery {
  ecosystem: string;
  release?: string;
  variant?: string;
}

/**
 * Whether a record's `affected[].package.ecosystem` applies to the queried one. Bases compare
 * case-insensitively. A record naming no release applies to every release. A record naming a release applies
 * only to that release, except when the query's release is unknown, where it applies (a possible false
 * positive is preferred to a silent miss). A variant (Ubuntu Pro) must match exactly.
 */
export function ecosystemMatches(recordEcosystem: string, query: EcosystemQuery): boolean {
  const rec = parseEcosystem(recordEcosystem);
  const fromQuery = parseEcosystem(query.ecosystem);
  if (rec.base.toLowerCase() !== fromQuery.base.toLowerCase()) return false;
  const queryRelease = query.release !== undefined ? normalizeRelease(fromQuery.base, query.release) : fromQuery.release;
  const queryVariant = query.variant ?? fromQuery.variant;
  if ((rec.variant ?? '') !== (queryVariant ?? '')) return false;
  if (rec.release === undefined || queryRelease === undefined) return true;
  return rec.release === queryRelease;
}

/**
 * The OSV ecosystem of an image's OS from its /etc/os-release `ID` and `VERSION_ID`, or undefined for an OS
 * OSV has no data for.
 */
export function osEcosystem(osRelease: { id: string; versionId?: string }): EcosystemQuery | undefined {
  const names: Record<string, string> = {
    debian: 'Debian',
    ubuntu: 'Ubuntu',
    alpine: 'Alpine',
    wolfi: 'Wolfi',
    chainguard: 'Chainguard',
    almalinux: 'AlmaLinux',
    rocky: 'Rocky Linux',
    rhel: 'Red Hat',
    'opensuse-leap': 'openSUSE',
    sles: 'SUSE',
    mageia: 'Mageia',
    photon: 'Photon OS',
    azurelinux: 'Azure Linux',
    openeuler: 'openEuler',
  };
  const ecosystem = names[osRelease.id.toLowerCase()];
  if (ecosystem === undefined) return undefined;
  if (osRelease.versionId === undefined || osRelease.versionId === '') return { ecosystem };
  return { ecosystem, release: normalizeRelease(ecosystem, osRelease.versionId) };
}

/**
 * A package name in the form used to compare it within its ecosystem: PyPI by PEP 503, crates.io and NuGet
 * and Packagist case-insensitively (crates.io also equates `-` and `_`); npm (including `@scope/name`), Go
 * module paths, Maven `group:artifact`, RubyGems and OS packages exactly as written.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  const base = parseEcosystem(ecosystem).base.toLowerCase();
  const trimmed = name.trim();
  switch (base) {
    case 'pypi':
      return normalizePypiName(trimmed);
    case 'crates.io':
      return trimmed.toLowerCase().replace(/_/g, '-');
    case 'nuget':
    case 'packagist':
      return trimmed.toLowerCase();
    default:
      return trimmed;
  }
}
