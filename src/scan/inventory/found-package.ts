import type { InventoryWarning, Package } from './inventory.ts';

/**
 * A package one file declares, with the identity it is deduplicated by: the same package reported by two
 * files (a lockfile entry and the installed package.json) shares a key and is reported once with both
 * locations.
 */
export interface FoundPackage {
  key: string;
  pkg: Package;
}

/** What a language cataloger got from one file. */
export interface FileFindings {
  packages: FoundPackage[];
  warnings: InventoryWarning[];
}

export function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, rest: string): string {
  return dir === '' ? rest : `${dir}/${rest}`;
}
