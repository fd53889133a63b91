import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testImage, whiteout } from '../../../test/helpers/test-image.ts';
import type { Package } from './inventory.ts';
import { FIXTURES, inventoryOf, run, summary, systemOsRelease, systemPythonDistribution, tempDir } from './inventory-test-kit.ts';

describe('OS package inventory', () => {
  it("reads this machine's dpkg status with source packages exactly as dpkg-query reports them", async () => {
    const status = await readFile('/var/lib/dpkg/status');
    const osRelease = await readFile('/usr/lib/os-release');
    const yaml = await systemPythonDistribution('PyYAML');
    const crypto = await systemPythonDistribution('cryptography');
    const inventory = await inventoryOf(
      testImage()
        .layer({ 'usr/lib/os-release': osRelease, 'etc/os-release': { type: 'symlink', target: '../usr/lib/os-release' }, 'var/lib/dpkg/status': status })
        .layer({ [yaml.dpkgList]: await readFile(`/${yaml.dpkgList}`), [yaml.metadataPath]: await readFile(`/${yaml.metadataPath}`), [crypto.metadataPath]: await readFile(`/${crypto.metadataPath}`) }),
    );
    const system = systemOsRelease();
    assert.deepEqual(inventory.os, { ...system, family: 'debian' });

    const expected = run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n'])
      .split('\n')
      .filter((l) => l.startsWith('ii ') || l.startsWith('hi '))
      .map((l) => l.split('\t').slice(1).join(' '))
      .sort();
    const deb = inventory.packages.filter((p) => p.ecosystem === 'deb');
    assert.deepEqual(deb.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion} ${p.arch}`).sort(), expected);
    assert.ok(deb.length > 100);
    assert.ok(deb.every((p) => p.locations.length === 1 && p.locations[0]!.path === 'var/lib/dpkg/status' && p.locations[0]!.layer === 0));
    const bash = deb.find((p) => p.name === 'bash')!;
    assert.equal(bash.purl, `pkg:deb/debian/bash@${encodeURIComponent(bash.version)}?arch=amd64&distro=debian-${system.versionId}`);

    // python3-yaml's dist-info belongs to dpkg; cryptography's list is not in the image, so pip-style it counts.
    assert.deepEqual(summary(inventory.packages.filter((p) => p.ecosystem === 'pypi')), [`pypi cryptography ${crypto.version}`]);
  });

  it('reads distroless status.d entries: binNMU and epoch handling, Source with its own version, whiteouts', async () => {
    const inventory = await inventoryOf(
      testImage()
        .layer({
          'etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Distroless"\n',
          'var/lib/dpkg/status.d/libssl3': 'Package: libssl3\nVersion: 3.0.11-1~deb12u2+b1\nArchitecture: amd64\nSource: openssl\n',
          'var/lib/dpkg/status.d/libssl3.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/libssl.so.3\n',
          'var/lib/dpkg/status.d/libgcc-s1': 'Package: libgcc-s1\nVersion: 12.2.0-14\nArchitecture: amd64\nSource: gcc-12 (12.2.0-14)\n',
          'var/lib/dpkg/status.d/tar': 'Package: tar\nVersion: 1.34+dfsg-1.2+deb12u1\nArchitecture: amd64\n',
          'var/lib/dpkg/status.d/libpam': 'Package: libpam0g\nVersion: 1:1.5.2-6+deb12u1+b2\nArchitecture: amd64\nSource: pam\n',
          'var/lib/dpkg/status.d/removed': 'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0-1\n',
          'var/lib/dpkg/status.d/half': 'Package: half\nStatus: install reinstreq half-installed\nVersion: 1.0-1\n',
          'var/lib/dpkg/status.d/held': 'Package: zlib1g\nStatus: hold ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\nSource: zlib\n',
          'var/lib/dpkg/status.d/tzdata': 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n',
        })
        .layer({ [whiteout('var/lib/dpkg/status.d/tzdata')]: '' }),
    );
    assert.deepEqual(
      inventory.packages.map((p) => [p.name, p.version, p.sourceName, p.sourceVersion, p.locations[0]!.path]),
      [
        ['libgcc-s1', '12.2.0-14', 'gcc-12', '12.2.0-14', 'var/lib/dpkg/status.d/libgcc-s1'],
        ['libpam0g', '1:1.5.2-6+deb12u1+b2', 'pam', '1:1.5.2-6+deb12u1', 'var/lib/dpkg/status.d/libpam'],
        ['libssl3', '3.0.11-1~deb12u2+b1', 'openssl', '3.0.11-1~deb12u2', 'var/lib/dpkg/status.d/libssl3'],
        ['tar', '1.34+dfsg-1.2+deb12u1', 'tar', '1.34+dfsg-1.2+deb12u1', 'var/lib/dpkg/status.d/tar'],
        ['zlib1g', '1:1.2.13.dfsg-1', 'zlib', '1:1.2.13.dfsg-1', 'var/lib/dpkg/status.d/held'],
      ],
    );
    assert.equal(inventory.packages[1]!.purl, 'pkg:deb/debian/libpam0g@1:1.5.2-6%2Bdeb12u1%2Bb2?arch=amd64&distro=debian-12&upstream=pam');
  });

  it('reads the apk installed database with origins, licenses and owned files', async () => {
    const inventory = await inventoryOf(
      testImage()
        .layer({ 'etc/alpine-release': '3.18.4\n', 'lib/apk/db/installed': await readFile(join(FIXTURES, 'apk-installed')) })
        .layer({ 'usr/lib/python3.11/site-packages/PyYAML-6.0.1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n' }),
    );
    assert.deepEqual(inventory.os, { id: 'alpine', versionId: '3.18.4', prettyName: 'Alpine Linux v3.18.4', family: 'alpine' });
    assert.deepEqual(
      inventory.packages.map((p) => [p.ecosystem, p.name, p.version, p.sourceName, p.sourceVersion, p.licenses, p.purl]),
      [
        ['apk', 'libcrypto3', '3.1.4-r1', 'openssl', '3.1.4-r1', ['Apache-2.0'], 'pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=3.18.4&upstream=openssl'],
        ['apk', 'musl', '1.2.4-r2', 'musl', '1.2.4-r2', ['MIT'], 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.18.4'],
        ['apk', 'py3-yaml', '6.0.1-r1', 'py-yaml', '6.0.1-r1', ['MIT'], 'pkg:apk/alpine/py3-yaml@6.0.1-r1?arch=x86_64&distro=3.18.4&upstream=py-yaml'],
      ],
    );
  });

  it('reads a real SQLite rpmdb written by rpm, with epochs, source RPMs and owned files', async () => {
    const rpmdb = await rpmDatabase();
    const inventory = await inventoryOf(
      testImage().layer({ 'etc/os-release': ROCKY, 'var/lib/rpm/rpmdb.sqlite': await readFile(rpmdb.sqlitePath), [OWNED_METADATA]: 'Name: hello\nVersion: 1.0\n' }),
    );
    assert.equal(inventory.os?.family, 'rhel');
    assert.deepEqual(inventory.warnings, []);
    assert.deepEqual(rpmRows(inventory.packages), EXPECTED_RPMS);
    assert.deepEqual(inventory.packages.map((p) => p.locations), [[{ path: 'var/lib/rpm/rpmdb.sqlite', layer: 0 }], [{ path: 'var/lib/rpm/rpmdb.sqlite', layer: 0 }]]);
  });

  it('reads the same packages from a BerkeleyDB Packages file written by the Berkeley DB tools', async () => {
    const rpmdb = await rpmDatabase();
    const db = new Database(rpmdb.sqlitePath, { readonly: true });
    const rows = db.prepare('SELECT hnum, blob FROM Packages').all() as Array<{ hnum: number; blob: Buffer }>;
    db.close();
    const key = (n: number): string => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b.toString('hex');
    };
    // rpm keeps the next instance number under key 0; small pages force values across overflow page chains.
    const dump = ['VERSION=3', 'format=bytevalue', 'type=hash', 'db_pagesize=512', 'HEADER=END', ` ${key(0)}`, ` ${key(rows.length + 1)}`, ...rows.flatMap((r) => [` ${key(r.hnum)}`, ` ${r.blob.toString('hex')}`]), 'DATA=END', ''];
    const dir = await tempDir('bdb');
    await writeFile(join(dir, 'dump.txt'), dump.join('\n'));
    run('db5.3_load', ['-f', join(dir, 'dump.txt'), join(dir, 'Packages')]);
    const inventory = await inventoryOf(testImage().layer({ 'etc/os-release': ROCKY, 'var/lib/rpm/Packages': await readFile(join(dir, 'Packages')), [OWNED_METADATA]: 'Name: hello\nVersion: 1.0\n' }));
    assert.deepEqual(inventory.warnings, []);
    assert.deepEqual(rpmRows(inventory.packages), EXPECTED_RPMS);
    assert.equal(inventory.packages[0]!.locations[0]!.path, 'var/lib/rpm/Packages');
  });

  it('warns that an NDB rpm database is not read', async () => {
    const inventory = await inventoryOf(testImage().layer({ 'etc/os-release': 'ID="opensuse-leap"\nVERSION_ID="15.5"\nID_LIKE="suse opensuse"\n', 'usr/lib/sysimage/rpm/Packages.db': Buffer.alloc(4096), 'var/lib/rpm': { type: 'symlink', target: '../../usr/lib/sysimage/rpm' } }));
    assert.deepEqual(inventory.os, { id: 'opensuse-leap', versionId: '15.5', prettyName: undefined, family: 'suse' });
    assert.deepEqual(inventory.packages, []);
    assert.deepEqual(inventory.warnings.map((w) => w.path), ['var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db']);
  });

  it('tells the OS from distribution release files when os-release is missing', async () => {
    const inventory = await inventoryOf(testImage().layer({ 'etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n' }));
    assert.deepEqual(inventory.os, { id: 'centos', versionId: '7.9.2009', prettyName: 'CentOS Linux release 7.9.2009 (Core)', family: 'rhel' });
  });
});

const ROCKY = 'NAME="Rocky Linux"\nVERSION_ID="9.3"\nID="rocky"\nID_LIKE="rhel centos fedora"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n';
const OWNED_METADATA = 'usr/lib/python3.9/site-packages/hello-1.0.dist-info/METADATA';
const EXPECTED_RPMS = [
  ['rpm', 'berth-hello', '2:1.2.3-4.el9', 'berth-hello', '2:1.2.3-4.el9', 'noarch', ['MIT'], 'pkg:rpm/rocky/berth-hello@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2&upstream=berth-hello-1.2.3-4.el9.src.rpm'],
  ['rpm', 'berth-tools', '0.9-1.el9', 'berth-tools', '0.9-1.el9', 'noarch', ['GPL-2.0-or-later'], 'pkg:rpm/rocky/berth-tools@0.9-1.el9?arch=noarch&distro=rocky-9.3&upstream=berth-tools-0.9-1.el9.src.rpm'],
];

function rpmRows(packages: Package[]): unknown[] {
  return packages.map((p) => [p.ecosystem, p.name, p.version, p.sourceName, p.sourceVersion, p.arch, p.licenses, p.purl]);
}

function spec(name: string, version: string, release: string, license: string, extra: string[], files: string[]): string {
  return [`Name: ${name}`, `Version: ${version}`, `Release: ${release}`, ...extra, 'Summary: test package', `License: ${license}`, 'BuildArch: noarch', '%description', 'A test package.', ...Array.from({ length: 40 }, (_, i) => `Description line ${i} making the header span pages.`), '%install', ...files.flatMap((f) => [`mkdir -p $(dirname %{buildroot}${f})`, `echo x > %{buildroot}${f}`]), '%files', ...files, ''].join('\n');
}

let built: Promise<{ sqlitePath: string }> | undefined;

/** Two packages built with rpmbuild and recorded by rpm itself in a fresh SQLite rpmdb (built once per run). */
function rpmDatabase(): Promise<{ sqlitePath: string }> {
  built ??= (async () => {
    const top = await tempDir('rpmbuild');
    const dbpath = join(top, 'db');
    run('rpm', ['--initdb', '--dbpath', dbpath, '--define', '_db_backend sqlite']);
    const specs = [
      spec('berth-hello', '1.2.3', '4.el9', 'MIT', ['Epoch: 2'], [`/${OWNED_METADATA}`]),
      spec('berth-tools', '0.9', '1.el9', 'GPL-2.0-or-later', [], ['/usr/bin/berth-tool']),
    ];
    for (const [i, text] of specs.entries()) {
      await writeFile(join(top, `p${i}.spec`), text);
      run('rpmbuild', ['-bb', '--define', `_topdir ${top}`, join(top, `p${i}.spec`)]);
    }
    for (const rpm of ['berth-hello-1.2.3-4.el9.noarch.rpm', 'berth-tools-0.9-1.el9.noarch.rpm']) {
      run('rpm', ['-i', '--justdb', '--nodeps', '--nosignature', '--dbpath', dbpath, '--define', '_db_backend sqlite', join(top, 'RPMS/noarch', rpm)]);
    }
    return { sqlitePath: join(dbpath, 'rpmdb.sqlite') };
  })();
  return built;
}
