import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testImage, whiteout } from '../../../test/helpers/test-image.ts';
import { FIXTURES, inventoryOf, run, summary, tempDir } from './inventory-test-kit.ts';

const DIST_PACKAGES = 'usr/lib/python3/dist-packages';

describe('OS package inventory', () => {
  it("reads this machine's dpkg status with source packages exactly as dpkg-query reports them", async () => {
    const status = await readFile('/var/lib/dpkg/status');
    const osRelease = await readFile('/usr/lib/os-release');
    const yamlList = await readFile('/var/lib/dpkg/info/python3-yaml.list');
    const yamlMetadata = await readFile(`/${DIST_PACKAGES}/PyYAML-6.0.dist-info/METADATA`);
    const cryptoMetadata = await readFile(`/${DIST_PACKAGES}/cryptography-38.0.4.dist-info/METADATA`);
    const inventory = await inventoryOf(
      testImage()
        .layer({ 'usr/lib/os-release': osRelease, 'etc/os-release': { type: 'symlink', target: '../usr/lib/os-release' }, 'var/lib/dpkg/status': status })
        .layer({ 'var/lib/dpkg/info/python3-yaml.list': yamlList, [`${DIST_PACKAGES}/PyYAML-6.0.dist-info/METADATA`]: yamlMetadata, [`${DIST_PACKAGES}/cryptography-38.0.4.dist-info/METADATA`]: cryptoMetadata }),
    );
    assert.deepEqual(inventory.os, { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', family: 'debian' });

    const expected = run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n'])
      .split('\n')
      .filter((l) => l.startsWith('ii '))
      .map((l) => l.split('\t').slice(1).join(' '))
      .sort();
    const deb = inventory.packages.filter((p) => p.ecosystem === 'deb');
    assert.deepEqual(deb.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion} ${p.arch}`).sort(), expected);
    assert.ok(deb.length > 100);
    assert.ok(deb.every((p) => p.locations.length === 1 && p.locations[0]!.path === 'var/lib/dpkg/status' && p.locations[0]!.layer === 0));
    const bash = deb.find((p) => p.name === 'bash')!;
    assert.equal(bash.purl, `pkg:deb/debian/bash@${encodeURIComponent(bash.version)}?arch=amd64&distro=debian-12`);

    // python3-yaml's dist-info belongs to dpkg; cryptography's list is not in the image, so pip-style it counts.
    assert.deepEqual(summary(inventory.packages.filter((p) => p.ecosystem === 'pypi')), ['pypi cryptography 38.0.4']);
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
    const top = await tempDir('rpmbuild');
    const spec = join(top, 'berth-hello.spec');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      spec,
      [
        'Name: berth-hello',
        'Version: 1.2.3',
        'Release: 4.el9',
        'Epoch: 2',
        'Summary: test package',
        'License: MIT',
        'BuildArch: noarch',
        '%description',
        'A test package.',
        '%install',
        'mkdir -p %{buildroot}/usr/lib/python3.9/site-packages/hello-1.0.dist-info',
        "printf 'Name: hello\\nVersion: 1.0\\n' > %{buildroot}/usr/lib/python3.9/site-packages/hello-1.0.dist-info/METADATA",
        '%files',
        '/usr/lib/python3.9/site-packages/hello-1.0.dist-info/METADATA',
        '',
      ].join('\n'),
    );
    run('rpmbuild', ['-bb', '--define', `_topdir ${top}`, spec]);
    const rpmFile = join(top, 'RPMS/noarch/berth-hello-1.2.3-4.el9.noarch.rpm');
    const dbpath = join(top, 'db');
    run('rpm', ['--initdb', '--dbpath', dbpath, '--define', '_db_backend sqlite']);
    run('rpm', ['-i', '--justdb', '--nodeps', '--nosignature', '--dbpath', dbpath, '--define', '_db_backend sqlite', rpmFile]);
    const inventory = await inventoryOf(
      testImage().layer({
        'etc/os-release': 'NAME="Rocky Linux"\nVERSION_ID="9.3"\nID="rocky"\nID_LIKE="rhel centos fedora"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n',
        'var/lib/rpm/rpmdb.sqlite': await readFile(join(dbpath, 'rpmdb.sqlite')),
        'usr/lib/python3.9/site-packages/hello-1.0.dist-info/METADATA': 'Name: hello\nVersion: 1.0\n',
      }),
    );
    assert.equal(inventory.os?.family, 'rhel');
    assert.deepEqual(inventory.warnings, []);
    assert.deepEqual(
      inventory.packages.map((p) => [p.ecosystem, p.name, p.version, p.sourceName, p.sourceVersion, p.arch, p.licenses, p.purl]),
      [['rpm', 'berth-hello', '2:1.2.3-4.el9', 'berth-hello', '2:1.2.3-4.el9', 'noarch', ['MIT'], 'pkg:rpm/rocky/berth-hello@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2&upstream=berth-hello-1.2.3-4.el9.src.rpm']],
    );
  });

  it('warns that a BerkeleyDB rpm database is not read', async () => {
    const inventory = await inventoryOf(testImage().layer({ 'etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n', 'var/lib/rpm/Packages': Buffer.alloc(4096) }));
    assert.deepEqual(inventory.os, { id: 'centos', versionId: '7.9.2009', prettyName: 'CentOS Linux release 7.9.2009 (Core)', family: 'rhel' });
    assert.deepEqual(inventory.packages, []);
    assert.deepEqual(inventory.warnings.map((w) => w.path), ['var/lib/rpm/Packages']);
  });
});
