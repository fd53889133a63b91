import { readAuditableCrates } from './cargo-auditable.ts';
import { ElfFile } from './elf.ts';
import type { FileFindings, FoundPackage } from './found-package.ts';
import { readGoBuildInfo } from './go-buildinfo.ts';
import type { Ecosystem, InventoryWarning } from './inventory.ts';
import { formatPurl, goModulePurl } from './purl.ts';

function found(ecosystem: Ecosystem, name: string, version: string, purl: string, path: string, layer: number): FoundPackage {
  return { key: `${ecosystem}\0${name}\0${version}\0${path}`, pkg: { ecosystem, name, version, purl, locations: [{ path, layer }] } };
}

/**
 * Packages compiled into an ELF binary: Go modules from the build info (the main module, dependencies with
 * replacements applied, and the toolchain's standard library as `stdlib`) and Rust crates recorded by
 * cargo-auditable. Binaries that are neither give nothing.
 */
export function binaryFindings(path: string, layer: number, bytes: Buffer): FileFindings {
  const elf = ElfFile.parse(bytes);
  if (!elf) return { packages: [], warnings: [] };
  const packages: FoundPackage[] = [];
  const warnings: InventoryWarning[] = [];
  const go = readGoBuildInfo(elf);
  if (go) {
    const stdlib = go.goVersion.replace(/^go/, '');
    packages.push(found('go-stdlib', 'stdlib', stdlib, formatPurl({ type: 'golang', name: 'stdlib', version: stdlib }), path, layer));
    if (go.main) packages.push(found('go', go.main.path, go.main.version, goModulePurl(go.main.path, go.main.version), path, layer));
    for (const dep of go.deps) packages.push(found('go', dep.path, dep.version, goModulePurl(dep.path, dep.version), path, layer));
  }
  try {
    for (const crate of readAuditableCrates(elf) ?? []) {
      packages.push(found('cargo', crate.name, crate.version, formatPurl({ type: 'cargo', name: crate.name, version: crate.version }), path, layer));
    }
  } catch (err) {
    warnings.push({ path, message: `cargo-auditable data cannot be read: ${(err as Error).message}` });
  }
  return { packages, warnings };
}
