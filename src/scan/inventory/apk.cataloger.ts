import type { OsInfo, Package, PackageLocation } from './inventory.ts';
import { formatPurl } from './purl.ts';

export const APK_INSTALLED_PATH = 'lib/apk/db/installed';

export interface ApkDatabase {
  packages: Package[];
  /** Files the packages installed (`F:` directories joined with their `R:` files), without a leading `/`. */
  ownedPaths: string[];
}

/**
 * apk's installed database: one paragraph per package of `X:value` lines (P name, V version, A arch,
 * o origin, L license, F directory, R file in the last F). The origin is the source package (aports),
 * built at the same version.
 */
export function apkDatabase(text: string, location: PackageLocation, os: OsInfo | undefined): ApkDatabase {
  const packages: Package[] = [];
  const ownedPaths: string[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let dir = '';
    for (const line of block.split('\n')) {
      if (line.length < 2 || line[1] !== ':') continue;
      const key = line[0]!;
      const value = line.slice(2);
      if (key === 'F') dir = value;
      else if (key === 'R') ownedPaths.push(dir ? `${dir}/${value}` : value);
      else if (!fields.has(key)) fields.set(key, value);
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const arch = fields.get('A');
    const origin = fields.get('o') ?? name;
    const license = fields.get('L');
    packages.push({
      ecosystem: 'apk',
      name,
      version,
      sourceName: origin,
      sourceVersion: version,
      purl: formatPurl({ type: 'apk', namespace: os?.id ?? 'alpine', name, version, qualifiers: { arch, distro: os?.versionId, upstream: origin !== name ? origin : undefined } }),
      locations: [location],
      ...(license ? { licenses: [license] } : {}),
      ...(arch ? { arch } : {}),
    });
  }
  return { packages, ownedPaths };
}
