import { randomUUID } from 'node:crypto';
import type { Inventory, Package } from '../inventory/inventory.ts';
import { imagePurl, type SbomOptions, type SbomSubject } from './sbom-subject.ts';
import { classifyLicense } from './spdx-license.ts';

export const SPDX_MEDIA_TYPE = 'application/spdx+json';
export const SPDX_NAMESPACE_BASE = 'https://berth.invalid/spdx';

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: 'NOASSERTION';
  primaryPackagePurpose?: string;
  sourceInfo?: string;
  comment?: string;
  externalRefs: Array<{ referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }>;
}

/** Declared licenses that are SPDX ids or expressions of them; anything else is NOASSERTION. */
function declared(pkg: Package): string {
  const licenses = (pkg.licenses ?? []).filter((l) => classifyLicense(l) !== 'text');
  if (licenses.length === 0 || licenses.length !== (pkg.licenses ?? []).length) return 'NOASSERTION';
  return licenses.length === 1 ? licenses[0]! : licenses.map((l) => `(${l})`).join(' AND ');
}

function spdxPackage(pkg: Package, index: number): SpdxPackage {
  return {
    SPDXID: `SPDXRef-Package-${pkg.ecosystem}-${index}`,
    name: pkg.name,
    versionInfo: pkg.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declared(pkg),
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: pkg.ecosystem === 'go-stdlib' ? 'FRAMEWORK' : 'LIBRARY',
    ...(pkg.sourceName ? { sourceInfo: `built from source package ${pkg.sourceName} ${pkg.sourceVersion ?? ''}`.trim() } : {}),
    comment: `found in ${pkg.locations.map((l) => `${l.path} (layer ${l.layer})`).join(', ')}`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
  };
}

/**
 * An SPDX 2.3 JSON document of the inventory: the document DESCRIBES the image package, which CONTAINS
 * every installed package (each with its purl as a PACKAGE-MANAGER external reference).
 */
export function toSpdx(inventory: Inventory, subject: SbomSubject, opts: SbomOptions = {}): Record<string, unknown> {
  const name = `${subject.name}@${subject.digest}`;
  const image: SpdxPackage = {
    SPDXID: 'SPDXRef-Image',
    name: subject.name,
    versionInfo: subject.digest,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
    ...(inventory.os ? { comment: `operating system: ${inventory.os.prettyName ?? `${inventory.os.id} ${inventory.os.versionId ?? ''}`.trim()}` } : {}),
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: imagePurl(subject) }],
  };
  const packages = inventory.packages.map(spdxPackage);
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: `${SPDX_NAMESPACE_BASE}/${encodeURIComponent(subject.name)}-${opts.uuid ?? randomUUID()}`,
    creationInfo: {
      created: (opts.createdAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: [`Tool: berth-${opts.toolVersion ?? '0.1.0'}`],
    },
    packages: [image, ...packages],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID },
      ...packages.map((p) => ({ spdxElementId: image.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
    ],
  };
}
