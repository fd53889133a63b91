import type { FileFindings, FoundPackage } from './found-package.ts';
import { baseName, dirName, joinPath } from './found-package.ts';
import { npmPurl } from './purl.ts';

/** An installed package's manifest: `.../node_modules/name/package.json` or `.../node_modules/@scope/name/package.json`. */
const INSTALLED_MANIFEST = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;

export function isNpmFile(path: string): boolean {
  const name = baseName(path);
  return name === 'package-lock.json' || name === 'npm-shrinkwrap.json' || (name === '.package-lock.json' && dirName(path).endsWith('node_modules')) || INSTALLED_MANIFEST.test(path);
}

function license(value: unknown): string[] | undefined {
  if (typeof value === 'string' && value !== '') return [value];
  if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return [(value as { type: string }).type];
  if (Array.isArray(value)) {
    const all = value.flatMap((v) => license(v) ?? []);
    return all.length > 0 ? all : undefined;
  }
  return undefined;
}

function found(name: string, version: string, installDir: string, path: string, layer: number, licenses?: string[]): FoundPackage {
  return {
    key: `npm\0${name}\0${version}\0${installDir}`,
    pkg: { ecosystem: 'npm', name, version, purl: npmPurl(name, version), locations: [{ path, layer }], ...(licenses ? { licenses } : {}) },
  };
}

/** The package a node_modules key names: the part after its last `node_modules/`. */
function nameFromKey(key: string): string {
  const at = key.lastIndexOf('node_modules/');
  return at < 0 ? key : key.slice(at + 'node_modules/'.length);
}

function fromPackagesMap(packages: Record<string, unknown>, base: string, path: string, layer: number): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const [key, raw] of Object.entries(packages)) {
    if (key === '' || !key.includes('node_modules/') || !raw || typeof raw !== 'object') continue;
    const entry = raw as { name?: unknown; version?: unknown; link?: unknown; license?: unknown };
    if (entry.link === true || typeof entry.version !== 'string') continue;
    const name = typeof entry.name === 'string' ? entry.name : nameFromKey(key);
    out.push(found(name, entry.version, joinPath(base, key), path, layer, license(entry.license)));
  }
  return out;
}

/** The v1 `dependencies` tree: nested entries are installed under their parent's node_modules. */
function fromDependencyTree(deps: Record<string, unknown>, installBase: string, path: string, layer: number, out: FoundPackage[], depth = 0): void {
  if (depth > 64) return;
  for (const [name, raw] of Object.entries(deps)) {
    if (!raw || typeof raw !== 'object') continue;
    const entry = raw as { version?: unknown; dependencies?: unknown };
    if (typeof entry.version !== 'string') continue;
    const installDir = joinPath(installBase, `node_modules/${name}`);
    // Aliases (`npm:real@1.0.0`) and non-registry sources keep what the lockfile says, as npm ls shows it.
    out.push(found(name, entry.version, installDir, path, layer));
    if (entry.dependencies && typeof entry.dependencies === 'object') fromDependencyTree(entry.dependencies as Record<string, unknown>, installDir, path, layer, out, depth + 1);
  }
}

/** Packages declared by one npm file: a lockfile (v1 dependencies tree, v2/v3 packages map) or an installed package.json. */
export function npmFindings(path: string, layer: number, bytes: Buffer): FileFindings {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { packages: [], warnings: [{ path, message: `not valid JSON: ${(err as Error).message}` }] };
  }
  if (!json || typeof json !== 'object') return { packages: [], warnings: [{ path, message: 'not a JSON object' }] };
  const doc = json as { name?: unknown; version?: unknown; license?: unknown; licenses?: unknown; packages?: unknown; dependencies?: unknown };
  if (baseName(path) === 'package.json') {
    if (typeof doc.name !== 'string' || typeof doc.version !== 'string') return { packages: [], warnings: [] };
    return { packages: [found(doc.name, doc.version, dirName(path), path, layer, license(doc.license) ?? license(doc.licenses))], warnings: [] };
  }
  // A hidden lockfile (node_modules/.package-lock.json) has keys relative to the directory above node_modules.
  const base = baseName(path) === '.package-lock.json' ? dirName(dirName(path)) : dirName(path);
  if (doc.packages && typeof doc.packages === 'object') return { packages: fromPackagesMap(doc.packages as Record<string, unknown>, base, path, layer), warnings: [] };
  const out: FoundPackage[] = [];
  if (doc.dependencies && typeof doc.dependencies === 'object') fromDependencyTree(doc.dependencies as Record<string, unknown>, base, path, layer, out);
  return { packages: out, warnings: [] };
}
