import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Inventory, Package } from '../inventory/inventory.ts';
import { openTestVulnDb, osvRecord, type TestVulnDb } from '../vulndb/osv-test-kit.ts';

const pkg = (ecosystem: Package['ecosystem'], name: string, version: string): Package => ({ ecosystem, name, version, purl: `pkg:x/${name}@${version}`, locations: [{ path: 'x', layer: 0 }] });

/** Each language ecosystem's names and version schemes as OSV writes them, matched against installed packages. */
describe('matching language packages across ecosystems', () => {
  let db: TestVulnDb;
  before(async () => {
    db = await openTestVulnDb();
    await db.vulndb.import([
      osvRecord({ id: 'PYSEC-1', ecosystem: 'PyPI', name: 'pyyaml', fixed: '5.4' }),
      osvRecord({ id: 'PYSEC-2', ecosystem: 'PyPI', name: 'Django', introduced: '4.2', fixed: '4.2.1' }),
      osvRecord({ id: 'GO-1', ecosystem: 'Go', name: 'golang.org/x/net', fixed: '0.23.0' }),
      osvRecord({ id: 'GO-2', ecosystem: 'Go', name: 'stdlib', fixed: '1.22.2' }),
      osvRecord({ id: 'GHSA-mvn1', ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', introduced: '2.0-beta9', fixed: '2.15.0' }),
      osvRecord({ id: 'GHSA-gem1', ecosystem: 'RubyGems', name: 'rack', fixed: '2.2.6.3' }),
      osvRecord({ id: 'RUSTSEC-1', ecosystem: 'crates.io', name: 'smallvec', fixed: '1.6.1' }),
      osvRecord({ id: 'GHSA-npm1', ecosystem: 'npm', name: '@babel/traverse', fixed: '7.23.2' }),
    ].map((json, i) => ({ name: `r${i}`, json })));
  });
  after(() => db?.close());

  it('finds exactly the affected versions', async () => {
    const inventory: Inventory = {
      os: undefined,
      warnings: [],
      packages: [
        pkg('pypi', 'PyYAML', '5.3.1'), pkg('pypi', 'django', '4.2.1'),
        pkg('go', 'golang.org/x/net', 'v0.17.0'), pkg('go-stdlib', 'stdlib', '1.22.1'),
        pkg('maven', 'org.apache.logging.log4j:log4j-core', '2.14.1'),
        pkg('gem', 'rack', '2.2.6.2'),
        pkg('cargo', 'smallvec', '1.6.1'),
        pkg('npm', '@babel/traverse', '7.22.0'),
      ],
    };
    const found = (await db.matcher.match(inventory)).map((f) => `${f.id} ${f.package.name}@${f.package.version}`).sort();
    assert.deepEqual(found, [
      'GHSA-gem1 rack@2.2.6.2',
      'GHSA-mvn1 org.apache.logging.log4j:log4j-core@2.14.1',
      'GHSA-npm1 @babel/traverse@7.22.0',
      'GO-1 golang.org/x/net@v0.17.0',
      'GO-2 stdlib@1.22.1',
      'PYSEC-1 PyYAML@5.3.1',
    ]);
  });
});
