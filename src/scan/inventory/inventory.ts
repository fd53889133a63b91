/**
 * What is installed in an image: the OS release and the packages every cataloger found, each with where it
 * was found. The inventory is the input of vulnerability matching and of the SBOMs, and is stored with a
 * scan so new advisories can be re-matched without reading layers again.
 */

export type Ecosystem = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'go' | 'maven' | 'gem' | 'cargo' | 'go-stdlib';

export const OS_ECOSYSTEMS: ReadonlySet<Ecosystem> = new Set(['deb', 'apk', 'rpm']);

export interface OsInfo {
  /** os-release ID (`debian`, `alpine`, `rhel`, ...). */
  id: string;
  /** os-release VERSION_ID, or the release file's version (`12`, `3.19.1`). */
  versionId: string | undefined;
  prettyName: string | undefined;
  /** The distribution family advisories are grouped by: `debian` for Ubuntu too, `rhel` for Rocky, ... */
  family: string;
}

/** Where a package was found: the file that declares it (a database, a manifest, a binary) and its layer. */
export interface PackageLocation {
  path: string;
  layer: number;
}

export interface Package {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** The source package advisories are keyed by (Debian `Source:`, Alpine origin, the source RPM). */
  sourceName?: string;
  /** The source package's own version (no binNMU suffix; its own version when `Source:` names one). */
  sourceVersion?: string;
  /** Package URL (github.com/package-url/purl-spec). */
  purl: string;
  locations: PackageLocation[];
  licenses?: string[];
  arch?: string;
}

/** Something the user should know about the inventory's completeness: an unsupported or unreadable file. */
export interface InventoryWarning {
  path: string;
  message: string;
}

export interface Inventory {
  os: OsInfo | undefined;
  /** Sorted by ecosystem, name, version, then first location. */
  packages: Package[];
  warnings: InventoryWarning[];
}
