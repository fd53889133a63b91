import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertToolsInstalled, createContainersSandbox, umoci, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { layoutBlob, layoutRef } from './oci-layout.ts';
import { describeEachRegistry } from './registry-targets.ts';
import { fetchManifest } from './registry-http.ts';

interface ManifestJson {
  config: { digest: string };
  layers: { digest: string }[];
}

// An image made by umoci itself (its own tar writer: PAX headers, real timestamps), through both registries.
describeEachRegistry('umoci-built image through skopeo', (registry) => {
  let tools: ContainersSandbox;
  let work: string;
  let layout: string;

  before(async () => {
    assertToolsInstalled('umoci', 'skopeo');
    tools = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-umoci-'));
    layout = join(work, 'layout');
    const bundle = join(work, 'bundle');
    await umoci(['init', '--layout', layout]);
    await umoci(['new', '--image', `${layout}:v1`]);
    await umoci(['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
    await mkdir(join(bundle, 'rootfs', 'opt', 'umoci'), { recursive: true });
    await writeFile(join(bundle, 'rootfs', 'opt', 'umoci', 'hello.txt'), 'written by the umoci test\n');
    await umoci(['repack', '--image', `${layout}:v1`, bundle]);
    await umoci(['config', '--image', `${layout}:v1`, '--config.env', 'MADE_BY=umoci', '--config.label', 'org.example.tool=umoci']);
  });
  after(async () => {
    await tools?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pushes the umoci layout unchanged and pulls it back into a layout umoci unpacks', async () => {
    const { host, url } = registry();
    const built = await layoutRef(layout, 'v1');
    const manifestBytes = await layoutBlob(layout, built.digest);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as ManifestJson;

    await tools.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${host}/interop/umoci:v1`]);
    const served = await fetchManifest(url, 'interop/umoci', 'v1');
    assert.equal(served.digest, built.digest);
    assert.deepEqual(served.bytes, manifestBytes);

    const pulled = join(work, 'pulled');
    await tools.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/interop/umoci:v1`, `oci:${pulled}:back`]);
    assert.equal((await layoutRef(pulled, 'back')).digest, built.digest);
    for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      assert.deepEqual(await layoutBlob(pulled, digest), await layoutBlob(layout, digest), `blob ${digest}`);
    }
    const bundle = join(work, 'pulled-bundle');
    await umoci(['unpack', '--rootless', '--image', `${pulled}:back`, bundle]);
    assert.equal(await readFile(join(bundle, 'rootfs', 'opt', 'umoci', 'hello.txt'), 'utf8'), 'written by the umoci test\n');
    const runtime = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: { env: string[] }; annotations?: Record<string, string> };
    assert.ok(runtime.process.env.includes('MADE_BY=umoci'), JSON.stringify(runtime.process.env));
  });
});
