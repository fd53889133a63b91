import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { testImage } from '../../../test/helpers/test-image.ts';
import { FIXTURES, inventoryOf, run, summary, SYSTEM_DIST_PACKAGES, systemPythonDistribution, tempDir } from './inventory-test-kit.ts';

describe('language package inventory', () => {
  it('reads a real npm install: lockfile, hidden lockfile and package.json merged into one package', async () => {
    const dir = await tempDir('npm');
    run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', 'is-number@7']);
    const inventory = await inventoryOf(
      testImage().layer({
        'app/package.json': await readFile(join(dir, 'package.json')),
        'app/package-lock.json': await readFile(join(dir, 'package-lock.json')),
        'app/node_modules/.package-lock.json': await readFile(join(dir, 'node_modules/.package-lock.json')),
        'app/node_modules/is-number/package.json': await readFile(join(dir, 'node_modules/is-number/package.json')),
        'legacy/package-lock.json': await readFile(join(FIXTURES, 'package-lock-v1.json')),
      }),
    );
    assert.deepEqual(
      inventory.packages.map((p) => [p.name, p.version, p.purl, p.locations.map((l) => l.path)]),
      [
        ['@babel/code-frame', '7.10.4', 'pkg:npm/%40babel/code-frame@7.10.4', ['legacy/package-lock.json']],
        ['debug', '2.6.9', 'pkg:npm/debug@2.6.9', ['legacy/package-lock.json']],
        ['is-number', '7.0.0', 'pkg:npm/is-number@7.0.0', ['app/node_modules/.package-lock.json', 'app/node_modules/is-number/package.json', 'app/package-lock.json']],
        ['ms', '2.0.0', 'pkg:npm/ms@2.0.0', ['legacy/package-lock.json']],
        ['ms', '2.1.3', 'pkg:npm/ms@2.1.3', ['legacy/package-lock.json']],
      ],
    );
    assert.deepEqual(inventory.packages[2]!.licenses, ['MIT']);
  });

  it("reads this machine's Python dist-info and egg-info metadata with PEP 503 purls", async () => {
    const [yaml, jwt, gobject] = await Promise.all(['PyYAML', 'PyJWT', 'PyGObject'].map(systemPythonDistribution));
    // distutils wrote egg-info as a single file holding the PKG-INFO text: PyGObject's goes in that form.
    const bareEggInfo = `${SYSTEM_DIST_PACKAGES}/PyGObject-${gobject!.version}.egg-info`;
    const inventory = await inventoryOf(
      testImage().layer({
        [yaml!.metadataPath]: await readFile(`/${yaml!.metadataPath}`),
        [jwt!.metadataPath]: await readFile(`/${jwt!.metadataPath}`),
        [bareEggInfo]: await readFile(`/${gobject!.metadataPath}`),
      }),
    );
    assert.deepEqual(
      inventory.packages.map((p) => [p.name, p.version, p.purl, p.locations[0]!.path]),
      [
        ['PyGObject', gobject!.version, `pkg:pypi/pygobject@${gobject!.version}`, bareEggInfo],
        ['PyJWT', jwt!.version, `pkg:pypi/pyjwt@${jwt!.version}`, jwt!.metadataPath],
        ['PyYAML', yaml!.version, `pkg:pypi/pyyaml@${yaml!.version}`, yaml!.metadataPath],
      ],
    );
    assert.deepEqual(inventory.packages[2]!.licenses, ['MIT']);
  });

  it('reads the build info of a Go binary compiled here, with a replaced dependency and the standard library', async () => {
    const dir = await tempDir('go');
    await mkdir(join(dir, 'greet'));
    await writeFile(join(dir, 'go.mod'), 'module example.com/berth/hello\n\ngo 1.19\n\nrequire example.com/greet v1.4.0\n\nreplace example.com/greet => ./greet\n');
    await writeFile(join(dir, 'main.go'), 'package main\n\nimport "example.com/greet"\n\nfunc main() { println(greet.Hello()) }\n');
    await writeFile(join(dir, 'greet/go.mod'), 'module example.com/greet\n\ngo 1.19\n');
    await writeFile(join(dir, 'greet/greet.go'), 'package greet\n\nfunc Hello() string { return "hello" }\n');
    const env = { GOPROXY: 'off', GOFLAGS: '-mod=mod -buildvcs=false', GOCACHE: join(dir, '.cache'), GOPATH: join(dir, '.gopath'), CGO_ENABLED: '0' };
    run('go', ['build', '-o', 'hello', '.'], { cwd: dir, env });
    const goVersion = run('go', ['env', 'GOVERSION'], { env }).trim().replace(/^go/, '');
    const inventory = await inventoryOf(testImage().layer({ 'usr/local/bin/hello': { type: 'file', content: await readFile(join(dir, 'hello')), mode: 0o755 } }));
    assert.deepEqual(
      inventory.packages.map((p) => [p.ecosystem, p.name, p.version, p.purl, p.locations[0]!.path]),
      [
        ['go', 'example.com/berth/hello', '(devel)', 'pkg:golang/example.com/berth/hello@(devel)', 'usr/local/bin/hello'],
        ['go', 'example.com/greet', 'v1.4.0', 'pkg:golang/example.com/greet@v1.4.0', 'usr/local/bin/hello'],
        ['go-stdlib', 'stdlib', goVersion, `pkg:golang/stdlib@${goVersion}`, 'usr/local/bin/hello'],
      ],
    );
  });

  it('reads cargo-auditable crate lists from the .dep-v0 section of an ELF binary built here', async () => {
    const dir = await tempDir('rust');
    await writeFile(join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    run('gcc', ['-o', join(dir, 'app'), join(dir, 'main.c')]);
    const deps = { packages: [{ name: 'app', version: '0.1.0', source: 'local', root: true, dependencies: [1] }, { name: 'serde', version: '1.0.195', source: 'crates.io' }] };
    await writeFile(join(dir, 'deps.z'), deflateSync(Buffer.from(JSON.stringify(deps))));
    run('objcopy', ['--add-section', `.dep-v0=${join(dir, 'deps.z')}`, '--set-section-flags', '.dep-v0=noload,readonly', join(dir, 'app')]);
    const inventory = await inventoryOf(testImage().layer({ 'usr/bin/app': { type: 'file', content: await readFile(join(dir, 'app')), mode: 0o755 }, 'usr/bin/plain': { type: 'file', content: await readFile('/usr/bin/true'), mode: 0o755 } }));
    assert.deepEqual(summary(inventory.packages), ['cargo app 0.1.0', 'cargo serde 1.0.195']);
    assert.equal(inventory.packages[1]!.purl, 'pkg:cargo/serde@1.0.195');
  });

  it('reads jars built with zip: pom.properties, MANIFEST.MF, and jars nested in a war', async () => {
    const dir = await tempDir('jar');
    const lib = join(dir, 'lib');
    await mkdir(join(lib, 'META-INF/maven/org.example/greeter'), { recursive: true });
    await writeFile(join(lib, 'META-INF/maven/org.example/greeter/pom.properties'), '#Generated by Maven\ngroupId=org.example\nartifactId=greeter\nversion=2.5.1\n');
    await writeFile(join(lib, 'META-INF/MANIFEST.MF'), 'Manifest-Version: 1.0\r\nImplementation-Title: ignored\r\n\r\n');
    run('zip', ['-qr', join(dir, 'greeter-2.5.1.jar'), 'META-INF'], { cwd: lib });
    const bundle = join(dir, 'bundle');
    await mkdir(join(bundle, 'META-INF'), { recursive: true });
    await writeFile(join(bundle, 'META-INF/MANIFEST.MF'), 'Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.bundle;singleton:=true\r\nBundle-Version: 0.9.0\r\n\r\n');
    run('zip', ['-qr', join(dir, 'bundle.jar'), 'META-INF'], { cwd: bundle });
    const war = join(dir, 'war');
    await mkdir(join(war, 'WEB-INF/lib'), { recursive: true });
    await writeFile(join(war, 'WEB-INF/lib/greeter-2.5.1.jar'), await readFile(join(dir, 'greeter-2.5.1.jar')));
    await writeFile(join(war, 'index.html'), '<p>hi</p>\n');
    run('zip', ['-qr', join(dir, 'app.war'), '.'], { cwd: war });
    const inventory = await inventoryOf(
      testImage().layer({
        'opt/lib/greeter-2.5.1.jar': await readFile(join(dir, 'greeter-2.5.1.jar')),
        'opt/lib/bundle.jar': await readFile(join(dir, 'bundle.jar')),
        'opt/app.war': await readFile(join(dir, 'app.war')),
      }),
    );
    assert.deepEqual(
      inventory.packages.map((p) => [p.name, p.version, p.purl, p.locations[0]!.path]),
      [
        ['org.example.bundle', '0.9.0', 'pkg:maven/org.example.bundle@0.9.0', 'opt/lib/bundle.jar'],
        ['org.example:greeter', '2.5.1', 'pkg:maven/org.example/greeter@2.5.1', 'opt/app.war!/WEB-INF/lib/greeter-2.5.1.jar'],
        ['org.example:greeter', '2.5.1', 'pkg:maven/org.example/greeter@2.5.1', 'opt/lib/greeter-2.5.1.jar'],
      ],
    );
    assert.deepEqual(inventory.warnings, []);
  });

  it('reads installed gem specifications and leaves out what an OS package owns', async () => {
    const gemspec = await readFile(join(FIXTURES, 'rake-13.0.6.gemspec'));
    const inventory = await inventoryOf(
      testImage().layer({
        'usr/local/bundle/specifications/rake-13.0.6.gemspec': gemspec,
        'usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec': gemspec,
        'var/lib/dpkg/status': 'Package: rake\nStatus: install ok installed\nVersion: 13.0.6-3\nArchitecture: all\n',
        'var/lib/dpkg/info/rake.list': '/.\n/usr\n/usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec\n',
      }),
    );
    assert.deepEqual(
      inventory.packages.map((p) => [p.ecosystem, p.name, p.version, p.licenses, p.locations[0]!.path]),
      [
        ['deb', 'rake', '13.0.6-3', undefined, 'var/lib/dpkg/status'],
        ['gem', 'rake', '13.0.6', ['MIT'], 'usr/local/bundle/specifications/rake-13.0.6.gemspec'],
      ],
    );
  });
});
