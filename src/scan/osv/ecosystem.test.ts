import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecosystemMatches, normalizePackageName, osEcosystem, parseEcosystem, schemeForEcosystem } from './ecosystem.ts';

describe('OSV ecosystems', () => {
  it('splits release suffixes and normalises them for comparison', () => {
    assert.deepEqual(parseEcosystem('Debian:12'), { base: 'Debian', release: '12' });
    assert.deepEqual(parseEcosystem('Alpine:v3.19'), { base: 'Alpine', release: '3.19' });
    assert.deepEqual(parseEcosystem('Ubuntu:22.04:LTS'), { base: 'Ubuntu', release: '22.04' });
    assert.deepEqual(parseEcosystem('Ubuntu:Pro:18.04:LTS'), { base: 'Ubuntu', release: '18.04', variant: 'Pro' });
    assert.deepEqual(parseEcosystem('Ubuntu:24.10'), { base: 'Ubuntu', release: '24.10' });
    assert.deepEqual(parseEcosystem('npm'), { base: 'npm' });
    assert.deepEqual(parseEcosystem('Red Hat:enterprise_linux:9::appstream'), { base: 'Red Hat', release: 'enterprise_linux:9::appstream' });
  });

  it('maps each ecosystem to its version scheme', () => {
    const got = ['Debian:12', 'Ubuntu:22.04:LTS', 'Alpine:v3.20', 'Wolfi', 'Rocky Linux:9', 'npm', 'crates.io', 'PyPI', 'Maven', 'Go', 'RubyGems', 'NuGet'].map(schemeForEcosystem);
    assert.deepEqual(got, ['dpkg', 'dpkg', 'apk', 'apk', 'rpm', 'semver', 'semver', 'pep440', 'maven', 'go', 'rubygems', undefined]);
  });

  it("derives the ecosystem from an image's os-release and matches releases", () => {
    assert.deepEqual(osEcosystem({ id: 'debian', versionId: '12' }), { ecosystem: 'Debian', release: '12' });
    assert.deepEqual(osEcosystem({ id: 'alpine', versionId: '3.19.1' }), { ecosystem: 'Alpine', release: '3.19' });
    assert.deepEqual(osEcosystem({ id: 'ubuntu', versionId: '22.04' }), { ecosystem: 'Ubuntu', release: '22.04' });
    assert.deepEqual(osEcosystem({ id: 'wolfi' }), { ecosystem: 'Wolfi' });
    assert.equal(osEcosystem({ id: 'plan9', versionId: '4' }), undefined);
    const alpine = osEcosystem({ id: 'alpine', versionId: '3.19.1' })!;
    assert.equal(ecosystemMatches('Alpine:v3.19', alpine), true);
    assert.equal(ecosystemMatches('Alpine:v3.18', alpine), false);
    assert.equal(ecosystemMatches('Alpine', alpine), true);
    assert.equal(ecosystemMatches('Debian:12', { ecosystem: 'Debian', release: '12.5' }), true);
    assert.equal(ecosystemMatches('Debian:12', { ecosystem: 'Debian:11' }), false);
    assert.equal(ecosystemMatches('Ubuntu:Pro:22.04:LTS', { ecosystem: 'Ubuntu', release: '22.04' }), false);
    assert.equal(ecosystemMatches('PyPI', { ecosystem: 'pypi' }), true);
  });

  it('normalises package names per ecosystem', () => {
    assert.equal(normalizePackageName('PyPI', 'Zope.Interface'), 'zope-interface');
    assert.equal(normalizePackageName('crates.io', 'Serde_JSON'), 'serde-json');
    assert.equal(normalizePackageName('npm', '@Scope/Name'), '@Scope/Name');
    assert.equal(normalizePackageName('Go', 'github.com/BurntSushi/toml'), 'github.com/BurntSushi/toml');
    assert.equal(normalizePackageName('Maven', ' org.apache.logging.log4j:log4j-core '), 'org.apache.logging.log4j:log4j-core');
    assert.equal(normalizePackageName('NuGet', 'Newtonsoft.Json'), 'newtonsoft.json');
  });
});
