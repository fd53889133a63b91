import { APK_INSTALLED_PATH } from '../scan/inventory/apk.cataloger.ts';
import { parseControlParagraphs } from '../scan/inventory/control-file.ts';
import { DPKG_STATUS_PATH, isDpkgStatusFile, isInstalledParagraph } from '../scan/inventory/dpkg.cataloger.ts';
import type { InstalledPackage, PackageInventory } from './analysis.types.ts';

/**
 * The analyzer's view of the OS package databases: names, versions and installed sizes (for size advice).
 * The formats and what counts as installed are the scanner's inventory code (src/scan/inventory), so both
 * read dpkg and apk databases the same way; the scanner's catalogers add sources, purls and file ownership.
 */
export function isPackageDbPath(path: string): boolean {
  return path === APK_INSTALLED_PATH || isDpkgStatusFile(path);
}

/** Installed packages of a dpkg status text (`isStatusD` for a distroless entry); Installed-Size is KiB. */
export function parseDpkgStatus(text: string, isStatusD = false): InstalledPackage[] {
  return parseControlParagraphs(text)
    .filter((fields) => fields.has('Package') && isInstalledParagraph(fields, isStatusD))
    .map((fields) => {
      const size = fields.get('Installed-Size');
      const kib = Number(size);
      return { name: fields.get('Package')!, version: fields.get('Version') ?? null, sizeBytes: size !== undefined && Number.isFinite(kib) ? kib * 1024 : null };
    });
}

/** Installed packages of an apk database (`P:` name, `V:` version, `I:` installed bytes, blank line between). */
export function parseApkInstalled(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) if (line[1] === ':') fields[line[0]!] = line.slice(2);
    if (!fields.P) continue;
    const bytes = Number(fields.I);
    out.push({ name: fields.P, version: fields.V ?? null, sizeBytes: fields.I !== undefined && Number.isFinite(bytes) ? bytes : null });
  }
  return out;
}

/** The inventory from captured package database contents (keys are final-filesystem paths). */
export function packageInventory(contents: ReadonlyMap<string, Buffer>): PackageInventory {
  const apk = contents.get(APK_INSTALLED_PATH);
  if (apk) return { manager: 'apk', packages: parseApkInstalled(apk.toString('utf8')) };
  const statuses = [...contents].filter(([path]) => isDpkgStatusFile(path));
  if (statuses.length === 0) return { manager: null, packages: [] };
  const byName = new Map<string, InstalledPackage>();
  for (const [path, bytes] of statuses) for (const p of parseDpkgStatus(bytes.toString('utf8'), path !== DPKG_STATUS_PATH)) byName.set(p.name, p);
  return { manager: 'dpkg', packages: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) };
}
