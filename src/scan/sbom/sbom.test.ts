import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import type { Inventory } from '../inventory/inventory.ts';
import { PURL_PATTERN } from '../inventory/purl.ts';
import { toCycloneDx } from './cyclonedx.sbom.ts';
import { toSpdx } from './spdx.sbom.ts';

const INVENTORY: Inventory = {
  os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', family: 'debian' },
  packages: [
    { ecosystem: 'deb', name: 'libssl3', version: '3.0.11-1~deb12u2+b1', sourceName: 'openssl', sourceVersion: '3.0.11-1~deb12u2', purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2%2Bb1?arch=amd64&distro=debian-12&upstream=openssl', locations: [{ path: 'var/lib/dpkg/status', layer: 0 }], arch: 'amd64' },
    { ecosystem: 'npm', name: '@babel/code-frame', version: '7.10.4', purl: 'pkg:npm/%40babel/code-frame@7.10.4', locations: [{ path: 'app/package-lock.json', layer: 1 }], licenses: ['MIT'] },
    { ecosystem: 'pypi', name: 'PyGObject', version: '3.42.2', purl: 'pkg:pypi/pygobject@3.42.2', locations: [{ path: 'usr/lib/python3/dist-packages/PyGObject-3.42.2.egg-info', layer: 1 }], licenses: ['GNU LGPL'] },
    { ecosystem: 'go', name: 'example.com/greet', version: 'v1.4.0', purl: 'pkg:golang/example.com/greet@v1.4.0', locations: [{ path: 'usr/bin/hello', layer: 2 }], licenses: ['MIT OR Apache-2.0'] },
  ],
  warnings: [],
};
const SUBJECT = { name: 'library/app', digest: 'sha256:' + 'ab'.repeat(32), tag: '1.0' };
const FIXED = { createdAt: new Date('2026-01-02T03:04:05.678Z'), uuid: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' };

describe('SBOM output', () => {
  it('CycloneDX 1.6 JSON validates against the schema with the image as the root component', async () => {
    const bom = toCycloneDx(INVENTORY, SUBJECT, FIXED) as { specVersion: string; serialNumber: string; metadata: { component: Record<string, unknown> }; components: Array<Record<string, unknown>>; dependencies: Array<{ ref: string; dependsOn?: string[] }> };
    const errors = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(JSON.stringify(bom));
    assert.equal(errors, null);
    assert.equal(bom.specVersion, '1.6');
    assert.equal(bom.serialNumber, `urn:uuid:${FIXED.uuid}`);
    assert.equal(bom.metadata.component.type, 'container');
    assert.equal(bom.metadata.component.purl, 'pkg:oci/app@sha256:' + 'ab'.repeat(32) + '?repository_url=library%2Fapp&tag=1.0');
    assert.deepEqual(bom.components.map((c) => [c.type, c.name, c.version, c.purl]), [
      ['operating-system', 'debian', '12', undefined],
      ['library', 'libssl3', '3.0.11-1~deb12u2+b1', INVENTORY.packages[0]!.purl],
      ['library', '@babel/code-frame', '7.10.4', INVENTORY.packages[1]!.purl],
      ['library', 'PyGObject', '3.42.2', INVENTORY.packages[2]!.purl],
      ['library', 'example.com/greet', 'v1.4.0', INVENTORY.packages[3]!.purl],
    ]);
    assert.deepEqual(bom.components[2]!.licenses, [{ license: { id: 'MIT' } }]);
    assert.deepEqual(bom.components[3]!.licenses, [{ license: { name: 'GNU LGPL' } }]);
    assert.deepEqual(bom.components[4]!.licenses, [{ expression: 'MIT OR Apache-2.0' }]);
    assert.ok((bom.components[1]!.properties as Array<{ name: string; value: string }>).some((p) => p.name === 'berth:package:source-version' && p.value === '3.0.11-1~deb12u2'));
    assert.deepEqual(bom.dependencies.find((d) => d.ref === 'image')?.dependsOn?.length, 5);
  });

  it('SPDX 2.3 JSON has the required fields, well-formed purls and DESCRIBES/CONTAINS relationships', () => {
    const doc = toSpdx(INVENTORY, SUBJECT, FIXED) as Record<string, any>;
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    assert.equal(doc.dataLicense, 'CC0-1.0');
    assert.equal(doc.SPDXID, 'SPDXRef-DOCUMENT');
    assert.equal(doc.name, `library/app@${SUBJECT.digest}`);
    assert.equal(doc.documentNamespace, `https://berth.invalid/spdx/library%2Fapp-${FIXED.uuid}`);
    assert.deepEqual(doc.creationInfo, { created: '2026-01-02T03:04:05Z', creators: ['Tool: berth-0.1.0'] });
    const ids = doc.packages.map((p: any) => p.SPDXID);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of doc.packages) {
      assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
      for (const field of ['name', 'versionInfo', 'downloadLocation', 'licenseConcluded', 'licenseDeclared', 'copyrightText']) assert.equal(typeof p[field], 'string', `${p.SPDXID}.${field}`);
      assert.equal(p.filesAnalyzed, false);
      assert.equal(p.externalRefs.length, 1);
      assert.equal(p.externalRefs[0].referenceType, 'purl');
      assert.match(p.externalRefs[0].referenceLocator, PURL_PATTERN);
    }
    assert.deepEqual(doc.packages.map((p: any) => [p.name, p.versionInfo, p.licenseDeclared]), [
      ['library/app', SUBJECT.digest, 'NOASSERTION'],
      ['libssl3', '3.0.11-1~deb12u2+b1', 'NOASSERTION'],
      ['@babel/code-frame', '7.10.4', 'MIT'],
      ['PyGObject', '3.42.2', 'NOASSERTION'],
      ['example.com/greet', 'v1.4.0', 'MIT OR Apache-2.0'],
    ]);
    assert.equal(doc.packages[0].primaryPackagePurpose, 'CONTAINER');
    assert.equal(doc.packages[1].sourceInfo, 'built from source package openssl 3.0.11-1~deb12u2');
    assert.deepEqual(doc.relationships, [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' },
      ...ids.slice(1).map((id: string) => ({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: id })),
    ]);
  });
});
