import type { FileFindings } from './found-package.ts';
import { formatPurl, normalizePythonName } from './purl.ts';

/** Installed distributions: wheel-style `*.dist-info/METADATA`, setuptools `*.egg-info/PKG-INFO` or a bare `*.egg-info` file. */
const METADATA = /(?:^|\/)[^/]+\.dist-info\/METADATA$|(?:^|\/)[^/]+\.egg-info\/PKG-INFO$|(?:^|\/)[^/]+\.egg-info$/;

export function isPythonFile(path: string): boolean {
  return METADATA.test(path);
}

/** Core metadata headers (RFC 822 style) up to the first blank line; continuation lines are folded in. */
function headers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = out.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    out.set(key, values);
    last = values;
  }
  return out;
}

/** The distribution a metadata file describes; the purl carries the PEP 503 normalised name. */
export function pythonFindings(path: string, layer: number, bytes: Buffer): FileFindings {
  const fields = headers(bytes.toString('utf8'));
  const name = fields.get('name')?.[0];
  const version = fields.get('version')?.[0];
  if (!name || !version) return { packages: [], warnings: [{ path, message: 'Python metadata without Name and Version' }] };
  const expression = fields.get('license-expression')?.[0];
  const license = fields.get('license')?.[0];
  const licenses = expression ? [expression] : license && license !== 'UNKNOWN' && !license.includes('\n') ? [license] : undefined;
  const normalized = normalizePythonName(name);
  return {
    packages: [
      {
        key: `pypi\0${normalized}\0${version}\0${path}`,
        pkg: { ecosystem: 'pypi', name, version, purl: formatPurl({ type: 'pypi', name: normalized, version }), locations: [{ path, layer }], ...(licenses ? { licenses } : {}) },
      },
    ],
    warnings: [],
  };
}
