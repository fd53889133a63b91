import { parseControlParagraphs } from './control-file.ts';
import type { OsInfo, Package, PackageLocation } from './inventory.ts';
import { formatPurl } from './purl.ts';

export const DPKG_STATUS_PATH = 'var/lib/dpkg/status';
const STATUS_D = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;
const INFO_LIST = /^var\/lib\/dpkg\/info\/[^/]+\.list$/;

/** dpkg's database files: the status file, distroless `status.d/` entries and the per-package file lists. */
export function isDpkgFile(path: string): boolean {
  return path === DPKG_STATUS_PATH || (STATUS_D.test(path) && !path.endsWith('.md5sums')) || INFO_LIST.test(path);
}

export function isDpkgStatusFile(path: string): boolean {
  return path === DPKG_STATUS_PATH || (STATUS_D.test(path) && !path.endsWith('.md5sums'));
}

export function isDpkgFileList(path: string): boolean {
  return INFO_LIST.test(path);
}

/** A binNMU rebuilds the same source: `1.0-1+b2` comes from source version `1.0-1`. */
export function stripBinNmu(version: string): string {
  return version.replace(/\+b\d+$/, '');
}

/** `Source: name` or `Source: name (version)`; without the field the source is the binary package itself. */
export function sourceOf(fields: Map<string, string>, name: string, version: string): { sourceName: string; sourceVersion: string } {
  const m = /^(\S+)(?:\s+\((\S+)\))?$/.exec(fields.get('Source') ?? '');
  if (!m) return { sourceName: name, sourceVersion: stripBinNmu(version) };
  return { sourceName: m[1]!, sourceVersion: m[2] ?? stripBinNmu(version) };
}

/** `install ok installed`, or `hold ok installed` for a package held at its version: both are on disk. */
function isInstalled(status: string): boolean {
  const [want, flag, state] = status.split(/\s+/);
  return (want === 'install' || want === 'hold') && flag === 'ok' && state === 'installed';
}

/**
 * Whether a dpkg paragraph describes a package on disk: its Status says installed (see isInstalled); a
 * distroless `status.d/` entry carries no Status field and counts unless one says otherwise.
 */
export function isInstalledParagraph(fields: Map<string, string>, isStatusD: boolean): boolean {
  const status = fields.get('Status');
  return status === undefined ? isStatusD : isInstalled(status);
}

/** Packages of a dpkg status file or a distroless `status.d/` entry; only installed ones count. */
export function dpkgPackages(text: string, location: PackageLocation, os: OsInfo | undefined): Package[] {
  const isStatusD = location.path !== DPKG_STATUS_PATH;
  const out: Package[] = [];
  for (const fields of parseControlParagraphs(text)) {
    const name = fields.get('Package');
    const version = fields.get('Version');
    if (!name || !version) continue;
    if (!isInstalledParagraph(fields, isStatusD)) continue;
    const arch = fields.get('Architecture');
    const source = sourceOf(fields, name, version);
    const distro = os ? `${os.id}-${os.versionId ?? ''}`.replace(/-$/, '') : undefined;
    out.push({
      ecosystem: 'deb',
      name,
      version,
      ...source,
      purl: formatPurl({ type: 'deb', namespace: os?.id ?? 'debian', name, version, qualifiers: { arch, distro, upstream: source.sourceName !== name ? source.sourceName : undefined } }),
      locations: [location],
      ...(arch ? { arch } : {}),
    });
  }
  return out;
}

/** The paths a `info/<package>.list` file says the package installed, without the leading `/`. */
export function dpkgListedPaths(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('/') && l.length > 1).map((l) => l.slice(1));
}
