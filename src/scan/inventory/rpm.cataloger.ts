import Database from 'better-sqlite3';
import type { InventoryWarning, OsInfo, Package, PackageLocation } from './inventory.ts';
import { formatPurl } from './purl.ts';
import { BdbError, bdbHashValues } from './bdb-hash.ts';
import { parseRpmHeader, RpmHeaderError, RPMTAG } from './rpm-header.ts';

/** SQLite rpmdb (rpm >= 4.16): RHEL 9, Fedora 33+ (under usr/lib/sysimage since Fedora 36), openSUSE. */
export const RPMDB_SQLITE_PATHS = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];
/** BerkeleyDB hash databases (rpm < 4.16: RHEL 7 and 8, CentOS, Amazon Linux 2). */
export const RPMDB_BDB_PATHS = ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages'];
/** NDB databases (openSUSE, SLES 15), which are not read. */
export const RPMDB_NDB_PATHS = ['var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db'];
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

const WANTED = new Set<number>(Object.values(RPMTAG));

export interface RpmDatabase {
  packages: Package[];
  ownedPaths: string[];
  warnings: InventoryWarning[];
}

/** `bash-5.1.8-6.el9.src.rpm` -> name `bash`, version `5.1.8-6.el9`. */
export function parseSourceRpm(file: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file);
  return m ? { name: m[1]!, version: `${m[2]}-${m[3]}` } : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Packages of one header blob; gpg-pubkey pseudo-packages are not packages. */
export function rpmPackage(tags: Map<number, unknown>, location: PackageLocation, os: OsInfo | undefined): { pkg: Package; ownedPaths: string[] } | undefined {
  const name = str(tags.get(RPMTAG.NAME));
  const ver = str(tags.get(RPMTAG.VERSION));
  const rel = str(tags.get(RPMTAG.RELEASE));
  if (!name || !ver || name === 'gpg-pubkey') return undefined;
  const epoch = (tags.get(RPMTAG.EPOCH) as number[] | undefined)?.[0];
  const vr = rel ? `${ver}-${rel}` : ver;
  const version = epoch !== undefined ? `${epoch}:${vr}` : vr;
  const arch = str(tags.get(RPMTAG.ARCH));
  const license = str(tags.get(RPMTAG.LICENSE));
  const source = parseSourceRpm(str(tags.get(RPMTAG.SOURCERPM)) ?? '');
  const dirs = (tags.get(RPMTAG.DIRNAMES) as string[] | undefined) ?? [];
  const bases = (tags.get(RPMTAG.BASENAMES) as string[] | undefined) ?? [];
  const indexes = (tags.get(RPMTAG.DIRINDEXES) as number[] | undefined) ?? [];
  const ownedPaths = bases.map((b, i) => `${dirs[indexes[i] ?? -1] ?? ''}${b}`.replace(/^\//, ''));
  const distro = os ? `${os.id}-${os.versionId ?? ''}`.replace(/-$/, '') : undefined;
  const pkg: Package = {
    ecosystem: 'rpm',
    name,
    version,
    sourceName: source?.name ?? name,
    sourceVersion: source ? (epoch !== undefined ? `${epoch}:${source.version}` : source.version) : version,
    purl: formatPurl({ type: 'rpm', namespace: os?.id ?? 'redhat', name, version: vr, qualifiers: { arch, epoch: epoch !== undefined ? String(epoch) : undefined, distro, upstream: str(tags.get(RPMTAG.SOURCERPM)) } }),
    locations: [location],
    ...(license ? { licenses: [license] } : {}),
    ...(arch ? { arch } : {}),
  };
  return { pkg, ownedPaths };
}

/** The SQLite rpmdb's `Packages` table, opened from its bytes (no file is written). */
export function rpmSqliteDatabase(bytes: Buffer, location: PackageLocation, os: OsInfo | undefined): RpmDatabase {
  const out: RpmDatabase = { packages: [], ownedPaths: [], warnings: [] };
  const copy = Buffer.from(bytes);
  // A WAL-mode file (format bytes 2/2) cannot be deserialized; as a snapshot it reads the same in rollback mode.
  if (copy.length > 19 && copy[18] === 2 && copy[19] === 2) copy[18] = copy[19] = 1;
  let db: Database.Database;
  try {
    db = new Database(copy, { readonly: true });
  } catch (err) {
    out.warnings.push({ path: location.path, message: `rpm database cannot be opened: ${(err as Error).message}` });
    return out;
  }
  try {
    const rows = db.prepare('SELECT blob FROM Packages').all() as Array<{ blob: Buffer }>;
    addHeaders(out, rows.map((row) => row.blob), location, os);
  } catch (err) {
    out.warnings.push({ path: location.path, message: `rpm database cannot be read: ${(err as Error).message}` });
  } finally {
    db.close();
  }
  return out;
}

function addHeaders(out: RpmDatabase, blobs: Buffer[], location: PackageLocation, os: OsInfo | undefined): void {
  for (const [i, blob] of blobs.entries()) {
    // BerkeleyDB keeps the next instance number as a 4-byte record; headers are far larger.
    if (blob.length <= 8) continue;
    try {
      const found = rpmPackage(parseRpmHeader(blob, WANTED), location, os);
      if (!found) continue;
      out.packages.push(found.pkg);
      out.ownedPaths.push(...found.ownedPaths);
    } catch (err) {
      if (!(err instanceof RpmHeaderError)) throw err;
      out.warnings.push({ path: location.path, message: `rpm header ${i + 1} is malformed: ${err.message}` });
    }
  }
}

/** A BerkeleyDB `Packages` hash database: its values are the header blobs. */
export function rpmBdbDatabase(bytes: Buffer, location: PackageLocation, os: OsInfo | undefined): RpmDatabase {
  const out: RpmDatabase = { packages: [], ownedPaths: [], warnings: [] };
  let blobs: Buffer[];
  try {
    blobs = bdbHashValues(bytes, MAX_HEADER_BYTES);
  } catch (err) {
    if (!(err instanceof BdbError)) throw err;
    out.warnings.push({ path: location.path, message: `BerkeleyDB rpm database cannot be read: ${err.message}` });
    return out;
  }
  addHeaders(out, blobs, location, os);
  return out;
}
