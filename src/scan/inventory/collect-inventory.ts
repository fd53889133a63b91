import type { WalkLayer, WalkResult } from '../../image/filesystem-walk.ts';
import { walkLayers } from '../../image/filesystem-walk.ts';
import { resolveImages, walkableLayers, type ResolvedImage } from '../../image/image-resolve.ts';
import type { ImageSource } from '../../image/image-source.ts';
import type { LayerLimits } from '../../image/layer-reader.ts';
import type { Platform } from '../../oci/manifest.ts';
import { APK_INSTALLED_PATH, apkDatabase } from './apk.cataloger.ts';
import { dpkgListedPaths, dpkgPackages, isDpkgFile, isDpkgFileList, isDpkgStatusFile } from './dpkg.cataloger.ts';
import { DEFAULT_FILE_SCAN_LIMITS, languageFileScan, type FileScanLimits, type ScannedFile } from './file-scan.ts';
import type { FoundPackage } from './found-package.ts';
import type { Inventory, InventoryWarning, OsInfo, Package } from './inventory.ts';
import { detectOs, OS_RELEASE_FILES } from './os-release.ts';
import { RPMDB_BDB_PATHS, RPMDB_NDB_PATHS, RPMDB_SQLITE_PATHS, rpmBdbDatabase, rpmSqliteDatabase, type RpmDatabase } from './rpm.cataloger.ts';

export interface InventoryOptions extends Partial<FileScanLimits> {
  /** The image to inventory when the source names an index (default linux/amd64). */
  platform?: Platform;
  /** An image already resolved from the source; skips resolving again. */
  image?: ResolvedImage;
  limits?: Partial<LayerLimits>;
}

/** OS package databases are captured whole; apk's may sit under usr/ when lib is a symlink. */
function isOsDatabase(path: string): boolean {
  return (OS_RELEASE_FILES as readonly string[]).includes(path) || isDpkgFile(path) || path.endsWith(APK_INSTALLED_PATH) || RPMDB_SQLITE_PATHS.includes(path) || RPMDB_BDB_PATHS.includes(path);
}

/**
 * The packages installed in the image `source` names: one streaming pass over its layers (whiteouts
 * applied), OS package databases captured whole, language manifests and binaries parsed one at a time as
 * they stream by. Throws what resolving and reading the image throws (MANIFEST_UNKNOWN, IMAGE_INVALID,
 * IMAGE_LIMIT_EXCEEDED, ...); a file that cannot be parsed becomes an inventory warning instead.
 */
export async function collectInventory(source: ImageSource, opts: InventoryOptions = {}): Promise<Inventory> {
  const image = opts.image ?? (await resolveImages(source, opts.platform ? { platform: opts.platform } : {}))[0]!;
  return inventoryOfLayers(walkableLayers(source, image), opts);
}

/** The inventory of a layer stack (collectInventory without the image lookup). */
export async function inventoryOfLayers(layers: readonly WalkLayer[], opts: Omit<InventoryOptions, 'platform' | 'image'> = {}): Promise<Inventory> {
  const scanned = new Map<string, ScannedFile>();
  const walk = await walkLayers(layers, {
    ...(opts.limits ? { limits: opts.limits } : {}),
    wantContent: (path) => isOsDatabase(path),
    scanFile: languageFileScan({ ...DEFAULT_FILE_SCAN_LIMITS, ...definedLimits(opts) }, scanned),
  });
  return buildInventory(walk, scanned);
}

function definedLimits(opts: Partial<FileScanLimits>): Partial<FileScanLimits> {
  return Object.fromEntries(Object.entries({ maxManifestBytes: opts.maxManifestBytes, maxArchiveBytes: opts.maxArchiveBytes, maxBinaryBytes: opts.maxBinaryBytes }).filter(([, v]) => v !== undefined));
}

function buildInventory(walk: WalkResult, scanned: Map<string, ScannedFile>): Inventory {
  const warnings: InventoryWarning[] = walk.issues.filter((i) => i.kind === 'content-too-large' || i.kind === 'content-unavailable').map((i) => ({ path: i.path, message: i.message }));
  const text = (path: string): string | undefined => {
    const real = walk.files.resolve(path);
    return real === undefined ? undefined : walk.contents.get(real)?.toString('utf8');
  };
  const os = detectOs(text);
  const owned = new Set<string>();
  const packages: Package[] = [];
  collectOsPackages(walk, os, packages, owned, warnings);

  const merged = new Map<string, Package>();
  for (const [path, result] of scanned) {
    // Only the version of the file that reaches the final filesystem counts.
    if (walk.files.get(path)?.layer !== result.layer) continue;
    if (owned.has(path)) continue;
    warnings.push(...result.findings.warnings);
    for (const found of result.findings.packages) mergeFound(merged, found);
  }
  packages.push(...merged.values());
  packages.sort(comparePackages);
  return { os, packages, warnings };
}

function collectOsPackages(walk: WalkResult, os: OsInfo | undefined, packages: Package[], owned: Set<string>, warnings: InventoryWarning[]): void {
  const layerOf = (path: string): number => walk.files.get(path)?.layer ?? -1;
  for (const [path, bytes] of walk.contents) {
    if (isDpkgStatusFile(path)) packages.push(...dpkgPackages(bytes.toString('utf8'), { path, layer: layerOf(path) }, os));
    else if (isDpkgFileList(path)) for (const p of dpkgListedPaths(bytes.toString('utf8'))) owned.add(p);
  }
  const apkPath = walk.files.resolve(APK_INSTALLED_PATH);
  const apk = apkPath === undefined ? undefined : walk.contents.get(apkPath);
  if (apkPath && apk) {
    const db = apkDatabase(apk.toString('utf8'), { path: apkPath, layer: layerOf(apkPath) }, os);
    packages.push(...db.packages);
    for (const p of db.ownedPaths) owned.add(p);
  }
  // rpm uses one backend at a time; SQLite wins over a stale BerkeleyDB file left behind by a conversion.
  const sqlitePath = RPMDB_SQLITE_PATHS.find((p) => walk.contents.has(p));
  const bdbPath = RPMDB_BDB_PATHS.find((p) => walk.contents.has(p));
  let rpm: RpmDatabase | undefined;
  if (sqlitePath) rpm = rpmSqliteDatabase(walk.contents.get(sqlitePath)!, { path: sqlitePath, layer: layerOf(sqlitePath) }, os);
  else if (bdbPath) rpm = rpmBdbDatabase(walk.contents.get(bdbPath)!, { path: bdbPath, layer: layerOf(bdbPath) }, os);
  if (rpm) {
    packages.push(...rpm.packages);
    warnings.push(...rpm.warnings);
    for (const p of rpm.ownedPaths) owned.add(p);
  } else {
    for (const path of RPMDB_NDB_PATHS) {
      const real = walk.files.resolve(path);
      if (real !== undefined && walk.files.get(real)?.type === 'file') {
        warnings.push({ path, message: 'NDB rpm databases are not supported: the rpm packages of this image are not listed' });
      }
    }
  }
  // Lists name paths as the package wrote them; through a merged-/usr symlink the file sits elsewhere.
  for (const p of [...owned]) {
    if (walk.files.get(p)) continue;
    const real = walk.files.resolve(p);
    if (real !== undefined) owned.add(real);
  }
}

function mergeFound(merged: Map<string, Package>, found: FoundPackage): void {
  const existing = merged.get(found.key);
  if (!existing) {
    merged.set(found.key, { ...found.pkg, locations: [...found.pkg.locations] });
    return;
  }
  for (const loc of found.pkg.locations) if (!existing.locations.some((l) => l.path === loc.path)) existing.locations.push(loc);
  if (!existing.licenses && found.pkg.licenses) existing.licenses = found.pkg.licenses;
}

function comparePackages(a: Package, b: Package): number {
  const ka = [a.ecosystem, a.name, a.version, a.locations[0]?.path ?? ''];
  const kb = [b.ecosystem, b.name, b.version, b.locations[0]?.path ?? ''];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}
