import { randomUUID } from 'node:crypto';
import * as CDX from '@cyclonedx/cyclonedx-library';
import type { Inventory, Package } from '../inventory/inventory.ts';
import { OS_ECOSYSTEMS } from '../inventory/inventory.ts';
import { classifyLicense } from './spdx-license.ts';
import { imagePurl, type SbomOptions, type SbomSubject } from './sbom-subject.ts';

export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

/** CycloneDX allows one expression or a list of licenses, never both: several licenses never become expressions. */
function license(value: string, isOnly: boolean): CDX.Models.License {
  const kind = classifyLicense(value);
  if (kind === 'id') return new CDX.Models.SpdxLicense(value);
  if (kind === 'expression' && isOnly) return new CDX.Models.LicenseExpression(value);
  return new CDX.Models.NamedLicense(value);
}

function component(pkg: Package, index: number): CDX.Models.Component {
  const c = new CDX.Models.Component(CDX.Enums.ComponentType.Library, pkg.name, {
    version: pkg.version,
    bomRef: `pkg-${index}`,
    purl: pkg.purl,
  });
  for (const l of pkg.licenses ?? []) c.licenses.add(license(l, pkg.licenses!.length === 1));
  const props: Array<[string, string]> = [['berth:package:ecosystem', pkg.ecosystem]];
  if (pkg.sourceName) props.push(['berth:package:source-name', pkg.sourceName]);
  if (pkg.sourceVersion) props.push(['berth:package:source-version', pkg.sourceVersion]);
  if (pkg.arch) props.push(['berth:package:arch', pkg.arch]);
  for (const loc of pkg.locations) props.push(['berth:location', `${loc.path} (layer ${loc.layer})`]);
  for (const [name, value] of props) c.properties.add(new CDX.Models.Property(name, value));
  return c;
}

/**
 * A CycloneDX 1.6 JSON BOM of the inventory: the image is metadata.component (type container), the OS an
 * operating-system component, every package a library component with its purl, licenses, source package
 * and locations as properties; the image depends on all of them.
 */
export function toCycloneDx(inventory: Inventory, subject: SbomSubject, opts: SbomOptions = {}): Record<string, unknown> {
  const bom = new CDX.Models.Bom({ serialNumber: `urn:uuid:${opts.uuid ?? randomUUID()}` });
  bom.metadata.timestamp = opts.createdAt ?? new Date();
  bom.metadata.tools.components.add(new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'berth', { version: opts.toolVersion ?? '0.1.0' }));
  const root = new CDX.Models.Component(CDX.Enums.ComponentType.Container, subject.name, { version: subject.digest, bomRef: 'image', purl: imagePurl(subject) });
  bom.metadata.component = root;
  if (inventory.os) {
    const os = new CDX.Models.Component(CDX.Enums.ComponentType.OperatingSystem, inventory.os.id, { version: inventory.os.versionId ?? '', bomRef: 'os', description: inventory.os.prettyName });
    bom.components.add(os);
    root.dependencies.add(os.bomRef);
  }
  inventory.packages.forEach((pkg, i) => {
    const c = component(pkg, i);
    bom.components.add(c);
    root.dependencies.add(c.bomRef);
    if (OS_ECOSYSTEMS.has(pkg.ecosystem) && inventory.os) c.properties.add(new CDX.Models.Property('berth:package:distro', `${inventory.os.id}-${inventory.os.versionId ?? ''}`));
  });
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return JSON.parse(serializer.serialize(bom, { sortLists: false })) as Record<string, unknown>;
}
