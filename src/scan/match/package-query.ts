/**
 * Which OSV ecosystem, package name and version an inventory package is looked up by. OS packages are matched
 * on their source package with its own version (advisories are keyed by it) in the detected OS release
 * (`Debian:12`, `Alpine:v3.19`); language packages on their name in the language's ecosystem. Pure.
 */
import type { Inventory, OsInfo, Package } from '../inventory/inventory.ts';
import { osEcosystem, type EcosystemQuery } from '../osv/ecosystem.ts';
import type { PackageQuery } from '../osv/affected.ts';

const LANGUAGE_ECOSYSTEMS: Partial<Record<Package['ecosystem'], string>> = {
  npm: 'npm',
  pypi: 'PyPI',
  go: 'Go',
  'go-stdlib': 'Go',
  maven: 'Maven',
  gem: 'RubyGems',
  cargo: 'crates.io',
};

/** Which OS ecosystems hold each OS package format: an rpm found in a Debian image is not looked up. */
const FORMAT_OF_OS: Record<string, Package['ecosystem']> = {
  Debian: 'deb', Ubuntu: 'deb',
  Alpine: 'apk', Wolfi: 'apk', Chainguard: 'apk',
  AlmaLinux: 'rpm', 'Rocky Linux': 'rpm', 'Red Hat': 'rpm', openSUSE: 'rpm', SUSE: 'rpm', Mageia: 'rpm', 'Photon OS': 'rpm', 'Azure Linux': 'rpm', openEuler: 'rpm',
};

/** The family a format falls back to when the OS is unknown to OSV (a derivative): its parent, release unknown. */
const FALLBACK: Partial<Record<Package['ecosystem'], { family: string; ecosystem: string }>> = {
  deb: { family: 'debian', ecosystem: 'Debian' },
  apk: { family: 'alpine', ecosystem: 'Alpine' },
};

function osQuery(os: OsInfo | undefined, format: Package['ecosystem']): EcosystemQuery | undefined {
  const detected = os ? osEcosystem({ id: os.id, ...(os.versionId !== undefined ? { versionId: os.versionId } : {}) }) : undefined;
  if (detected) return FORMAT_OF_OS[detected.ecosystem] === format ? detected : undefined;
  const fallback = FALLBACK[format];
  return fallback && (os === undefined || os.family === fallback.family) ? { ecosystem: fallback.ecosystem } : undefined;
}

/** The lookup for one package, or undefined when OSV has no data for its ecosystem or it has no version. */
export function packageQuery(pkg: Package, os: OsInfo | undefined): PackageQuery | undefined {
  if (pkg.version === '' || pkg.version === '(devel)') return undefined;
  if (pkg.ecosystem === 'deb' || pkg.ecosystem === 'apk' || pkg.ecosystem === 'rpm') {
    const eco = osQuery(os, pkg.ecosystem);
    if (!eco) return undefined;
    return { ...eco, name: pkg.sourceName ?? pkg.name, version: pkg.sourceVersion ?? pkg.version };
  }
  const ecosystem = LANGUAGE_ECOSYSTEMS[pkg.ecosystem];
  return ecosystem === undefined ? undefined : { ecosystem, name: pkg.ecosystem === 'go-stdlib' ? 'stdlib' : pkg.name, version: pkg.version };
}

/** Every package of the inventory with its lookup, grouped by OSV ecosystem. */
export function queriesByEcosystem(inventory: Inventory): Map<string, Array<{ pkg: Package; query: PackageQuery }>> {
  const out = new Map<string, Array<{ pkg: Package; query: PackageQuery }>>();
  for (const pkg of inventory.packages) {
    const query = packageQuery(pkg, inventory.os);
    if (!query) continue;
    const list = out.get(query.ecosystem) ?? [];
    list.push({ pkg, query });
    out.set(query.ecosystem, list);
  }
  return out;
}
