import type { InstalledPackage, PackageInventory } from './analysis.types.ts';

/** Package databases read from the final filesystem (the walk captures exactly these paths). */
export const DPKG_STATUS = 'var/lib/dpkg/status';
/** Distroless images list one dpkg paragraph per file here instead of one status file. */
export const DPKG_STATUS_DIR = 'var/lib/dpkg/status.d/';
export const APK_INSTALLED = 'lib/apk/db/installed';

export function isPackageDbPath(path: string): boolean {
  return path === DPKG_STATUS || path === APK_INSTALLED || (path.startsWith(DPKG_STATUS_DIR) && !path.endsWith('.md5sums'));
}

/** Paragraphs of `Field: value` lines (continuation lines start with a space), as dpkg writes them. */
function dpkgParagraphs(text: string): Array<Record<string, string>> {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
        if (m) fields[m[1]!] = m[2]!;
      }
      return fields;
    })
    .filter((f) => f.Package !== undefined);
}

/** Installed packages of a dpkg status text; Installed-Size is KiB. Packages not "installed" are left out. */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  return dpkgParagraphs(text)
    .filter((f) => f.Status === undefined || /\binstalled$/.test(f.Status))
    .map((f) => {
      const kib = Number(f['Installed-Size']);
      return { name: f.Package!, version: f.Version ?? null, sizeBytes: Number.isFinite(kib) && f['Installed-Size'] !== undefined ? kib * 1024 : null };
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
  const apk = contents.get(APK_INSTALLED);
  if (apk) return { manager: 'apk', packages: parseApkInstalled(apk.toString('utf8')) };
  const texts = [...contents].filter(([path]) => path === DPKG_STATUS || path.startsWith(DPKG_STATUS_DIR)).map(([, bytes]) => bytes.toString('utf8'));
  if (texts.length === 0) return { manager: null, packages: [] };
  const byName = new Map<string, InstalledPackage>();
  for (const text of texts) for (const p of parseDpkgStatus(text)) byName.set(p.name, p);
  return { manager: 'dpkg', packages: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) };
}
