import type { FileFindings } from './found-package.ts';
import { formatPurl } from './purl.ts';

const GEMSPEC = /(?:^|\/)specifications\/[^/]+\.gemspec$/;

export function isGemFile(path: string): boolean {
  return GEMSPEC.test(path);
}

/** The string of `s.<field> = "value"` (with an optional `.freeze`), as RubyGems writes installed specs. */
function field(text: string, name: string): string | undefined {
  return new RegExp(`^\\s*\\w+\\.${name}\\s*=\\s*["']([^"']+)["']`, 'm').exec(text)?.[1];
}

/** An installed gem's specification (`gems/specifications/name-version.gemspec`), read without running Ruby. */
export function gemFindings(path: string, layer: number, bytes: Buffer): FileFindings {
  const text = bytes.toString('utf8');
  const name = field(text, 'name');
  const version = field(text, 'version');
  if (!name || !version) return { packages: [], warnings: [{ path, message: 'gemspec without a literal name and version' }] };
  const licenseList = /^\s*\w+\.licenses?\s*=\s*\[?([^\]\n]*)\]?/m.exec(text)?.[1];
  const licenses = licenseList ? [...licenseList.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]!) : [];
  return {
    packages: [
      {
        key: `gem\0${name}\0${version}\0${path}`,
        pkg: { ecosystem: 'gem', name, version, purl: formatPurl({ type: 'gem', name, version }), locations: [{ path, layer }], ...(licenses.length > 0 ? { licenses } : {}) },
      },
    ],
    warnings: [],
  };
}
