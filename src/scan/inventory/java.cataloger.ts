import type { FileFindings, FoundPackage } from './found-package.ts';
import { baseName } from './found-package.ts';
import type { InventoryWarning } from './inventory.ts';
import { formatPurl } from './purl.ts';
import { listZipEntries, readZipEntry, ZipError, type ZipEntry } from './zip-reader.ts';

const ARCHIVE = /\.(?:jar|war|ear|par|sar|jpi|hpi|nar)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MAX_METADATA_BYTES = 1024 * 1024;
const MAX_NESTED_ARCHIVE_BYTES = 64 * 1024 * 1024;

export function isJavaArchive(path: string): boolean {
  return ARCHIVE.test(path);
}

/** `key=value` (or `key: value`) lines; `#` and `!` comments. */
function properties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** MANIFEST.MF main section: `Name: value` with 72-byte lines continued by a leading space. */
function manifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && last) {
      out.set(last, out.get(last)! + line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    out.set(last, line.slice(colon + 1).trim());
  }
  return out;
}

function maven(groupId: string | undefined, artifactId: string, version: string, location: string, layer: number): FoundPackage {
  const name = groupId ? `${groupId}:${artifactId}` : artifactId;
  return {
    key: `maven\0${name}\0${version}\0${location}`,
    pkg: { ecosystem: 'maven', name, version, purl: formatPurl({ type: 'maven', namespace: groupId, name: artifactId, version }), locations: [{ path: location, layer }] },
  };
}

/** `commons-io-2.11.0.jar` -> artifact `commons-io`, version `2.11.0`. */
function fromFileName(file: string): { artifactId: string; version: string } | undefined {
  const m = /^(.+?)-(\d[^-]*(?:-[A-Za-z0-9.]+)*)\.[a-z]+$/i.exec(file);
  return m ? { artifactId: m[1]!, version: m[2]! } : undefined;
}

function archiveFindings(zip: Buffer, location: string, layer: number, depth: number, warnings: InventoryWarning[]): FoundPackage[] {
  let entries: ZipEntry[];
  try {
    entries = listZipEntries(zip);
  } catch (err) {
    if (!(err instanceof ZipError) && !(err instanceof RangeError)) throw err;
    warnings.push({ path: location, message: `not a readable zip archive: ${err.message}` });
    return [];
  }
  const read = (entry: ZipEntry, maxBytes: number): Buffer | undefined => {
    try {
      return readZipEntry(zip, entry, maxBytes);
    } catch (err) {
      if (!(err instanceof ZipError)) throw err;
      warnings.push({ path: `${location}!/${entry.name}`, message: err.message });
      return undefined;
    }
  };
  const out: FoundPackage[] = [];
  for (const entry of entries.filter((e) => POM_PROPERTIES.test(e.name))) {
    const props = properties(read(entry, MAX_METADATA_BYTES)?.toString('utf8') ?? '');
    const artifactId = props.get('artifactId');
    const version = props.get('version');
    if (artifactId && version) out.push(maven(props.get('groupId'), artifactId, version, location, layer));
  }
  if (out.length === 0) {
    const mf = entries.find((e) => e.name === 'META-INF/MANIFEST.MF');
    const fields = mf ? manifest(read(mf, MAX_METADATA_BYTES)?.toString('utf8') ?? '') : new Map<string, string>();
    const byName = fromFileName(baseName(location));
    const title = fields.get('Implementation-Title') ?? fields.get('Bundle-SymbolicName')?.split(';')[0] ?? byName?.artifactId;
    const version = fields.get('Implementation-Version') ?? fields.get('Bundle-Version') ?? byName?.version;
    if (title && version) out.push(maven(fields.get('Implementation-Vendor-Id'), title, version, location, layer));
  }
  if (depth === 0) {
    for (const entry of entries.filter((e) => isJavaArchive(e.name))) {
      const nested = read(entry, MAX_NESTED_ARCHIVE_BYTES);
      if (nested) out.push(...archiveFindings(nested, `${location}!/${entry.name}`, layer, depth + 1, warnings));
    }
  }
  return out;
}

/**
 * Packages of a Java archive: every `META-INF/maven/<group>/<artifact>/pom.properties` (shaded jars hold
 * several); without one, the manifest's Implementation or Bundle fields, or the file name. Archives nested
 * inside (WEB-INF/lib, BOOT-INF/lib, ...) are read one level deep and located as `outer.war!/inner.jar`.
 */
export function javaFindings(path: string, layer: number, bytes: Buffer): FileFindings {
  const warnings: InventoryWarning[] = [];
  return { packages: archiveFindings(bytes, path, layer, 0, warnings), warnings };
}
