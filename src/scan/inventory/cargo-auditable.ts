import { inflateSync } from 'node:zlib';
import type { ElfFile } from './elf.ts';

/** cargo-auditable's `.dep-v0` section: the crate graph as zlib-compressed JSON. */
export interface AuditableCrate {
  name: string;
  version: string;
  /** `crates.io`, `git`, `local`, `registry`, ... */
  source: string;
  isRoot: boolean;
}

const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** Crates of a binary built with cargo-auditable; undefined when the section is absent. Throws on a corrupt section. */
export function readAuditableCrates(elf: ElfFile): AuditableCrate[] | undefined {
  const section = elf.section('.dep-v0');
  if (!section) return undefined;
  const json = JSON.parse(inflateSync(section, { maxOutputLength: MAX_JSON_BYTES }).toString('utf8')) as { packages?: unknown };
  if (!Array.isArray(json.packages)) throw new Error('.dep-v0 has no packages list');
  return json.packages.flatMap((p: Record<string, unknown>) =>
    typeof p?.name === 'string' && typeof p.version === 'string'
      ? [{ name: p.name, version: p.version, source: typeof p.source === 'string' ? p.source : 'crates.io', isRoot: p.root === true }]
      : [],
  );
}
