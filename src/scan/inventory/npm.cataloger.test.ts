import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { npmFindings } from './npm.cataloger.ts';

describe('npm lockfiles', () => {
  it('reads the v2/v3 packages map: nested installs, scopes, aliases; skips the root and workspace links', () => {
    const lock = {
      name: 'app',
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/@types/node': { version: '20.11.5', license: 'MIT' },
        'node_modules/debug': { version: '4.3.4' },
        'node_modules/debug/node_modules/ms': { version: '2.1.2' },
        'node_modules/string-width-cjs': { name: 'string-width', version: '4.2.3' },
        'node_modules/my-workspace': { resolved: 'packages/my-workspace', link: true },
        'packages/my-workspace': { name: 'my-workspace', version: '0.0.1' },
      },
    };
    const found = npmFindings('srv/app/package-lock.json', 2, Buffer.from(JSON.stringify(lock)));
    assert.deepEqual(found.warnings, []);
    assert.deepEqual(
      found.packages.map((f) => [f.pkg.name, f.pkg.version, f.pkg.purl, f.key.split('\0')[3], f.pkg.licenses]),
      [
        ['@types/node', '20.11.5', 'pkg:npm/%40types/node@20.11.5', 'srv/app/node_modules/@types/node', ['MIT']],
        ['debug', '4.3.4', 'pkg:npm/debug@4.3.4', 'srv/app/node_modules/debug', undefined],
        ['ms', '2.1.2', 'pkg:npm/ms@2.1.2', 'srv/app/node_modules/debug/node_modules/ms', undefined],
        ['string-width', '4.2.3', 'pkg:npm/string-width@4.2.3', 'srv/app/node_modules/string-width-cjs', undefined],
      ],
    );
  });

  it('gives installed package.json files their directory as identity and ignores manifests without a version', () => {
    const installed = npmFindings('app/node_modules/@scope/pkg/package.json', 0, Buffer.from(JSON.stringify({ name: '@scope/pkg', version: '1.2.3', license: { type: 'ISC' } })));
    assert.deepEqual(installed.packages.map((f) => [f.pkg.purl, f.key.split('\0')[3], f.pkg.licenses]), [['pkg:npm/%40scope/pkg@1.2.3', 'app/node_modules/@scope/pkg', ['ISC']]]);
    assert.deepEqual(npmFindings('app/node_modules/x/package.json', 0, Buffer.from('{"name":"x"}')).packages, []);
  });
});
