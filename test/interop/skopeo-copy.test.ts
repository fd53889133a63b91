import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { MediaType } from '../../src/oci/media-types.ts';
import { assertToolsInstalled, createContainersSandbox, umoci, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';
import { assertLayoutHoldsImage } from './oci-layout.ts';
import { describeEachRegistry } from './registry-targets.ts';
import { fetchManifest } from './registry-http.ts';

// skopeo against both registries: copy in and out (by tag, by digest), inspect, list-tags, delete.
describeEachRegistry('skopeo copy, inspect, list-tags, delete', (registry) => {
  let sandbox: ContainersSandbox;
  let work: string;
  let image: BuiltImage;

  before(async () => {
    assertToolsInstalled('skopeo', 'umoci');
    sandbox = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-skopeo-'));
    image = await testImage()
      .layer({ 'etc/motd': 'hello from the first layer\n', 'usr/bin/greet': '#!/bin/sh\necho hi\n' })
      // Incompressible, bigger than one read buffer: the upload and download stream several chunks.
      .layer({ 'var/lib/app/data.bin': randomBytes(300_000) })
      .config({ Env: ['GREETING=hello'], Cmd: ['/usr/bin/greet'], Labels: { 'org.example.suite': 'interop' } })
      .build(join(work, 'source'), 'v1');
  });
  after(async () => {
    await sandbox?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const pushed = (repo: string, tag: string) => sandbox.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${registry().host}/${repo}:${tag}`]);

  it('copies an OCI layout in by tag and serves the exact manifest bytes', async () => {
    await pushed('interop/app', 'v1');
    const served = await fetchManifest(registry().url, 'interop/app', 'v1');
    assert.equal(served.status, 200);
    assert.equal(served.contentType, MediaType.OciManifest);
    assert.equal(served.digest, image.manifest.digest);
    assert.deepEqual(served.bytes, image.manifest.bytes);
  });

  it('copies back out by tag and by digest with identical manifest, config and layer bytes', async () => {
    const { host } = registry();
    await sandbox.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/interop/app:v1`, `oci:${join(work, 'by-tag')}:pulled`]);
    await assertLayoutHoldsImage(join(work, 'by-tag'), 'pulled', image);
    await sandbox.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/interop/app@${image.manifest.digest}`, `oci:${join(work, 'by-digest')}:pulled`]);
    await assertLayoutHoldsImage(join(work, 'by-digest'), 'pulled', image);
  });

  it('accepts deeply nested repository names and tags with dots, dashes and underscores', async () => {
    const repo = 'interop/deep/nested/path/app';
    const tag = '1.0.0-rc_1.build-42';
    await pushed(repo, tag);
    const served = await fetchManifest(registry().url, repo, tag);
    assert.equal(served.status, 200);
    assert.equal(served.digest, image.manifest.digest);
    const listed = JSON.parse((await sandbox.skopeo(['list-tags', '--tls-verify=false', `docker://${registry().host}/${repo}`])).stdout) as { Tags: string[] };
    assert.deepEqual(listed.Tags, [tag]);
  });

  it('pulled layout unpacks with umoci to the files that were built', async () => {
    const bundle = join(work, 'bundle');
    await umoci(['unpack', '--rootless', '--image', `${join(work, 'by-tag')}:pulled`, bundle]);
    assert.equal(await readFile(join(bundle, 'rootfs', 'etc', 'motd'), 'utf8'), 'hello from the first layer\n');
    assert.equal((await readFile(join(bundle, 'rootfs', 'var', 'lib', 'app', 'data.bin'))).length, 300_000);
    const runtime = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: { env: string[]; args: string[] } };
    assert.ok(runtime.process.env.includes('GREETING=hello'), JSON.stringify(runtime.process.env));
    assert.deepEqual(runtime.process.args, ['/usr/bin/greet']);
  });

  it('inspect reports digest, layers, config; --raw prints the manifest and config bytes', async () => {
    const ref = `docker://${registry().host}/interop/app:v1`;
    const info = JSON.parse((await sandbox.skopeo(['inspect', '--tls-verify=false', ref])).stdout) as Record<string, unknown>;
    assert.equal(info.Name, `${registry().host}/interop/app`);
    assert.equal(info.Digest, image.manifest.digest);
    assert.deepEqual(info.RepoTags, ['v1']);
    assert.deepEqual(info.Layers, image.layers.map((l) => l.digest));
    assert.deepEqual(info.Labels, { 'org.example.suite': 'interop' });
    assert.deepEqual(info.Env, ['GREETING=hello']);
    assert.equal(info.Architecture, 'amd64');
    const raw = await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', ref]);
    assert.equal(raw.stdout, image.manifest.bytes.toString('utf8'));
    const rawConfig = await sandbox.skopeo(['inspect', '--raw', '--config', '--tls-verify=false', ref]);
    assert.equal(rawConfig.stdout, image.config.bytes.toString('utf8'));
  });

  it('list-tags lists every tag of the repository (Berth: in lexical order)', async () => {
    await pushed('interop/tags', 'v2');
    await pushed('interop/tags', 'v10');
    await pushed('interop/tags', 'latest');
    const listed = JSON.parse((await sandbox.skopeo(['list-tags', '--tls-verify=false', `docker://${registry().host}/interop/tags`])).stdout) as { Repository: string; Tags: string[] };
    assert.equal(listed.Repository, `${registry().host}/interop/tags`);
    if (registry().name === 'berth') {
      // The distribution spec wants tag lists in lexical order (that is what makes `last=` paging work).
      assert.deepEqual(listed.Tags, ['latest', 'v10', 'v2']);
    } else {
      // Distribution 2.8 lists its tag folders in directory order, which depends on the filesystem.
      assert.deepEqual([...listed.Tags].sort(), ['latest', 'v10', 'v2']);
    }
  });

  it('list-tags on a repository that never existed fails with the registry error', async () => {
    await assert.rejects(sandbox.skopeo(['list-tags', '--tls-verify=false', `docker://${registry().host}/interop/never-pushed`]), /fetching tags list: invalid status code from registry 404/);
  });

  it('delete by tag removes the manifest and every tag pointing at it', async () => {
    const { host, url } = registry();
    await pushed('interop/doomed', 'v1');
    await pushed('interop/doomed', 'also');
    await sandbox.skopeo(['delete', '--tls-verify=false', `docker://${host}/interop/doomed:v1`]);
    assert.equal((await fetchManifest(url, 'interop/doomed', image.manifest.digest)).status, 404);
    assert.equal((await fetchManifest(url, 'interop/doomed', 'v1')).status, 404);
    assert.equal((await fetchManifest(url, 'interop/doomed', 'also')).status, 404, 'a tag on the deleted manifest must go too');
    await assert.rejects(sandbox.skopeo(['inspect', '--tls-verify=false', `docker://${host}/interop/doomed:v1`]), /manifest unknown/i);
    // Other repositories holding the same image are untouched.
    assert.equal((await fetchManifest(url, 'interop/app', 'v1')).status, 200);
  });

  it('delete by digest removes the manifest; deleting it again fails', async () => {
    const { host, url } = registry();
    await pushed('interop/doomed-digest', 'v1');
    const ref = `docker://${host}/interop/doomed-digest@${image.manifest.digest}`;
    await sandbox.skopeo(['delete', '--tls-verify=false', ref]);
    assert.equal((await fetchManifest(url, 'interop/doomed-digest', 'v1')).status, 404);
    await assert.rejects(sandbox.skopeo(['delete', '--tls-verify=false', ref]), /Image may not exist/);
  });
});
