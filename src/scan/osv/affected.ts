/**
 * Whether an installed package version is affected by an OSV record, evaluated as the OSV schema's
 * "Evaluation" section defines: a version listed in `versions`, or inside a SEMVER/ECOSYSTEM range whose events
 * are sorted by version and walked (`introduced` opens, `fixed` closes at, `last_affected` closes after), below
 * the range's `limit`s. GIT ranges name commits, not package versions, and are not used here.
 */
import { goScheme } from '../versions/go.version.ts';
import { VERSION_SCHEMES } from '../versions/schemes.ts';
import { semverScheme } from '../versions/semver.version.ts';
import type { Ordering, VersionScheme } from '../versions/version-scheme.ts';
import { ecosystemMatches, normalizePackageName, parseEcosystem, schemeForEcosystem, type EcosystemQuery } from './ecosystem.ts';
import { eventOf, type OsvAffected, type OsvRange, type OsvRecord } from './osv-record.schema.ts';

export interface PackageQuery extends EcosystemQuery {
  name: string;
  version: string;
}

export type AffectedVerdict =
  | { status: 'affected'; affected: OsvAffected; via: 'versions' | 'range'; range?: OsvRange }
  | { status: 'not-affected'; reason: 'withdrawn' | 'no-matching-package' | 'outside-ranges' }
  /** The record names the package but Berth cannot decide (unknown scheme, unparseable version). */
  | { status: 'unknown'; reason: string };

function rangeScheme(range: OsvRange, ecosystem: string): VersionScheme | undefined {
  if (range.type === 'SEMVER') {
    // Go's data is SEMVER without the `v`; its installed versions carry it, or are go1.x for the toolchain.
    return parseEcosystem(ecosystem).base.toLowerCase() === 'go' ? goScheme : semverScheme;
  }
  if (range.type === 'ECOSYSTEM') {
    const name = schemeForEcosystem(ecosystem);
    return name === undefined ? undefined : VERSION_SCHEMES[name];
  }
  return undefined;
}

type RangeResult = { ok: true; affected: boolean } | { ok: false; error: string };

const KIND_ORDER = { introduced: 0, fixed: 1, last_affected: 1, limit: 1 } as const;

/** One range's verdict for `version`; the spec's pseudo-code, with ties put introduced-first. */
export function evaluateRange(range: OsvRange, version: string, scheme: VersionScheme): RangeResult {
  const installed = scheme.parse(version);
  if (!installed.ok) return { ok: false, error: `installed version ${JSON.stringify(version)}: ${installed.error}` };
  const events = range.events.map(eventOf);
  for (const e of events) {
    const exempt = (e.kind === 'introduced' && e.version === '0') || (e.kind === 'limit' && e.version === '*');
    if (!exempt && !scheme.isValid(e.version)) return { ok: false, error: `${e.kind} ${JSON.stringify(e.version)} is not a ${scheme.name} version` };
  }
  const cmp = (a: string, b: string): Ordering => scheme.compare(a, b);
  const limits = events.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((l) => l.version === '*' || cmp(version, l.version) < 0)) return { ok: true, affected: false };
  const walk = events
    .filter((e) => e.kind !== 'limit')
    .sort((x, y) => {
      const xZero = x.kind === 'introduced' && x.version === '0';
      const yZero = y.kind === 'introduced' && y.version === '0';
      if (xZero || yZero) return xZero === yZero ? 0 : xZero ? -1 : 1;
      return cmp(x.version, y.version) || KIND_ORDER[x.kind] - KIND_ORDER[y.kind];
    });
  let affected = false;
  for (const e of walk) {
    if (e.kind === 'introduced') {
      if (e.version === '0' || cmp(version, e.version) >= 0) affected = true;
    } else if (e.kind === 'fixed') {
      if (cmp(version, e.version) >= 0) affected = false;
    } else if (cmp(version, e.version) > 0) {
      affected = false;
    }
  }
  return { ok: true, affected };
}

function listed(versions: readonly string[], version: string, scheme: VersionScheme | undefined): boolean {
  return versions.some((v) => v === version || (scheme !== undefined && scheme.tryCompare(v, version).ok && scheme.compare(v, version) === 0));
}

/** The full verdict for one installed package against one record. Pure; never throws on record content. */
export function evaluateRecord(record: OsvRecord, query: PackageQuery): AffectedVerdict {
  if (record.withdrawn) return { status: 'not-affected', reason: 'withdrawn' };
  const name = normalizePackageName(query.ecosystem, query.name);
  let unknown: string | undefined;
  let named = false;
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || !ecosystemMatches(pkg.ecosystem, query)) continue;
    if (normalizePackageName(pkg.ecosystem, pkg.name) !== name) continue;
    named = true;
    const ecoSchemeName = schemeForEcosystem(pkg.ecosystem);
    const ecoScheme = ecoSchemeName === undefined ? undefined : VERSION_SCHEMES[ecoSchemeName];
    if (listed(affected.versions ?? [], query.version, ecoScheme)) return { status: 'affected', affected, via: 'versions' };
    for (const range of affected.ranges ?? []) {
      if (range.type === 'GIT') continue;
      const scheme = rangeScheme(range, pkg.ecosystem);
      if (scheme === undefined) {
        unknown ??= `no version scheme for ${range.type} ranges of ecosystem ${pkg.ecosystem}`;
        continue;
      }
      const result = evaluateRange(range, query.version, scheme);
      if (!result.ok) unknown ??= result.error;
      else if (result.affected) return { status: 'affected', affected, via: 'range', range };
    }
  }
  if (unknown !== undefined) return { status: 'unknown', reason: unknown };
  return { status: 'not-affected', reason: named ? 'outside-ranges' : 'no-matching-package' };
}

/**
 * True when the record says `name` at `version` in `ecosystem` (optionally with a release, `Debian:12`) is
 * affected. Undecidable cases (see `evaluateRecord`) answer false; use `evaluateRecord` to tell them apart.
 */
export function isAffected(record: OsvRecord, ecosystem: string, packageName: string, version: string): boolean {
  return evaluateRecord(record, { ecosystem, name: packageName, version }).status === 'affected';
}

/** The record's own id and its aliases: the names of the same vulnerability. */
export function aliasIds(record: OsvRecord): string[] {
  return [record.id, ...(record.aliases ?? [])];
}

/**
 * Whether the record is about `id`: its own id, an alias, or an upstream id (a DEBIAN-CVE-X or UBUNTU-CVE-X
 * record is about CVE-X). Case-insensitive, as GHSA ids are written in both cases.
 */
export function refersTo(record: OsvRecord, id: string): boolean {
  const want = id.trim().toUpperCase();
  return [...aliasIds(record), ...(record.upstream ?? [])].some((x) => x.toUpperCase() === want);
}
