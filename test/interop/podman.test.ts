import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { MediaType } from '../../src/oci/media-types.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { tarArchive, testImage } from '../helpers/test-image.ts';
import { describeEachRegistry } from './registry-targets.ts';
import { fetchManifest } from './registry-http.ts';

interface PodmanImage {
  Id: string;
  Digest: string;
  RepoDigests: string[];
  Config: { Env?: string[]; Labels?: Record<string, string> | null };
}

// podman against both registries, on vfs storage in a private --root/--runroot (`podman run` cannot work here).
describeEachRegistry('podman import, push, rmi, pull', (registry) => {
  let tools: ContainersSandbox;
  let work: string;

  before(async () => {
    assertToolsInstalled('podman', 'skopeo');
    tools = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-podman-'));
  });
  after(async () => {
    await tools?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function inspect(ref: string): Promise<PodmanImage> {
    const [image] = JSON.parse((await tools.podman(['image', 'inspect', ref])).stdout) as PodmanImage[];
    assert.ok(image, `podman image inspect ${ref} returned nothing`);
    return image;
  }

  async function pushImported(repo: string, extraPushArgs: string[] = []): Promise<{ imageId: string; pushedDigest: string }> {
    const rootfs = join(work, `${repo.replaceAll('/', '-')}.tar`);
    await writeFile(rootfs, tarArchive({ 'etc/motd': `imported for ${repo}\n`, 'usr/local/bin/hello': '#!/bin/sh\necho hello\n' }));
    const local = `localhost/${repo}:v1`;
    const imageId = (await tools.podman(['import', '--change', 'ENV IMPORTED=yes', rootfs, local])).stdout.trim().replace(/^sha256:/, '');
    const digestFile = join(work, `${repo.replaceAll('/', '-')}.digest`);
    await tools.podman(['push', '--tls-verify=false', '--digestfile', digestFile, ...extraPushArgs, local, `docker://${registry().host}/${repo}:v1`]);
    await tools.podman(['rmi', local]);
    return { imageId, pushedDigest: (await readFile(digestFile, 'utf8')).trim() };
  }

  it('pushes an imported tarball, then pulls it back after rmi with the same image id and digest', async () => {
    const { host, url } = registry();
    const { imageId, pushedDigest } = await pushImported('interop/imported');
    assert.match(imageId, /^[0-9a-f]{64}$/);
    const served = await fetchManifest(url, 'interop/imported', 'v1');
    assert.equal(served.status, 200);
    assert.equal(served.digest, pushedDigest);
    await assert.rejects(tools.podman(['image', 'exists', 'localhost/interop/imported:v1']), 'rmi removed the local image');

    await tools.podman(['pull', '--tls-verify=false', `${host}/interop/imported:v1`]);
    const pulled = await inspect(`${host}/interop/imported:v1`);
    assert.equal(pulled.Id, imageId, 'same config, same image id');
    assert.equal(pulled.Digest, pushedDigest);
    assert.ok(pulled.RepoDigests.includes(`${host}/interop/imported@${pushedDigest}`), JSON.stringify(pulled.RepoDigests));
    assert.ok(pulled.Config.Env?.includes('IMPORTED=yes'), JSON.stringify(pulled.Config));
  });

  it('pushes as Docker schema 2 with --format v2s2 and pulls it back by digest', async () => {
    const { host, url } = registry();
    const { imageId, pushedDigest } = await pushImported('interop/imported-docker', ['--format', 'v2s2']);
    const served = await fetchManifest(url, 'interop/imported-docker', 'v1');
    assert.equal(served.contentType, MediaType.DockerManifest);
    assert.equal(served.digest, pushedDigest);
    await tools.podman(['pull', '--tls-verify=false', `${host}/interop/imported-docker@${pushedDigest}`]);
    const pulled = await inspect(`${host}/interop/imported-docker@${pushedDigest}`);
    assert.equal(pulled.Id, imageId);
    assert.equal(pulled.Digest, pushedDigest);
  });

  it('pulls an image that skopeo pushed from a built OCI layout, keeping its digest and config', async () => {
    const { host } = registry();
    const image = await testImage()
      .layer({ 'etc/motd': 'built, not imported\n' })
      .config({ Env: ['PATH=/usr/bin', 'BUILT=yes'], Labels: { 'org.example.origin': 'test-image' } })
      .build(join(work, 'built'), 'v1');
    await tools.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/interop/built:v1`]);
    await tools.podman(['pull', '--tls-verify=false', `${host}/interop/built:v1`]);
    const pulled = await inspect(`${host}/interop/built:v1`);
    assert.equal(`sha256:${pulled.Id}`, image.config.digest, 'podman names the image by its config digest');
    assert.equal(pulled.Digest, image.manifest.digest);
    assert.deepEqual(pulled.Config.Labels, { 'org.example.origin': 'test-image' });
    assert.deepEqual(pulled.Config.Env, ['PATH=/usr/bin', 'BUILT=yes']);
  });

  it('search lists the pushed repositories (catalog) and their tags', async () => {
    const { host } = registry();
    const found = JSON.parse((await tools.podman(['search', '--tls-verify=false', '--format', 'json', `${host}/interop`])).stdout) as { Name: string }[];
    assert.deepEqual(found.map((r) => r.Name).sort(), ['built', 'imported', 'imported-docker'].map((r) => `${host}/interop/${r}`));
    const tags = JSON.parse((await tools.podman(['search', '--tls-verify=false', '--list-tags', '--format', 'json', `${host}/interop/built`])).stdout) as { Name: string; Tags: string[] }[];
    assert.deepEqual(tags, [{ Name: `${host}/interop/built`, Tags: ['v1'] }]);
  });
});
