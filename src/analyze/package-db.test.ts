import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packageInventory, parseApkInstalled, parseDpkgStatus } from './package-db.ts';

describe('package databases', () => {
  it('lists installed dpkg packages with Installed-Size in bytes, skipping removed ones and reading continuations', () => {
    const status = [
      'Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10\nInstalled-Size: 500\nDescription: tool\n more text\n',
      'Package: old\nStatus: deinstall ok config-files\nVersion: 1\n',
      'Package: tzdata\nStatus: install ok installed\nVersion: 2024a\n',
    ].join('\n');
    assert.deepEqual(parseDpkgStatus(status), [
      { name: 'curl', version: '7.88.1-10', sizeBytes: 512000 },
      { name: 'tzdata', version: '2024a', sizeBytes: null },
    ]);
  });

  it('lists apk packages with their installed bytes', () => {
    assert.deepEqual(parseApkInstalled('C:Q1abc=\nP:busybox\nV:1.36.1-r15\nI:946176\n\nP:zlib\nV:1.3.1-r0\n'), [
      { name: 'busybox', version: '1.36.1-r15', sizeBytes: 946176 },
      { name: 'zlib', version: '1.3.1-r0', sizeBytes: null },
    ]);
  });

  it('merges distroless status.d paragraphs, or says there is no database', () => {
    const contents = new Map([
      ['var/lib/dpkg/status.d/libssl3', Buffer.from('Package: libssl3\nVersion: 3.0.11\nInstalled-Size: 6000\n')],
      ['var/lib/dpkg/status.d/base-files', Buffer.from('Package: base-files\nVersion: 12.4\n')],
    ]);
    assert.deepEqual(packageInventory(contents), {
      manager: 'dpkg',
      packages: [
        { name: 'base-files', version: '12.4', sizeBytes: null },
        { name: 'libssl3', version: '3.0.11', sizeBytes: 6144000 },
      ],
    });
    assert.deepEqual(packageInventory(new Map()), { manager: null, packages: [] });
  });
});
