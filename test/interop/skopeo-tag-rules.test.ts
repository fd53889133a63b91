import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';
import { fetchManifest } from './registry-http.ts';

// skopeo pushing a tag that an enforced naming rule refuses: the tool fails and shows Berth's reason.
describe('skopeo and tag rules', { timeout: 300_000 }, () => {
  let berth: TestBerth;
  let sandbox: ContainersSandbox;
  let work: string;
  let image: BuiltImage;
  const api = (method: string, path: string, body: unknown) =>
    fetch(`${berth.url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    assertToolsInstalled('skopeo', 'umoci');
    berth = await startTestBerth({}, { open: true });
    sandbox = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'interop-tag-rules-'));
    image = await testImage().layer({ 'etc/motd': 'tag rules\n' }).build(join(work, 'source'), 'v1');
    assert.equal((await api('POST', '/projects', { name: 'rules', isPublic: false })).status, 201);
    assert.equal((await api('POST', '/projects/rules/tag-rules/naming', { name: 'semver-only', forms: ['semver'] })).status, 201);
  });
  after(async () => {
    await sandbox?.dispose();
    await berth?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const copy = (tag: string) => sandbox.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${new URL(berth.url).host}/rules/app:${tag}`]);

  it('a refused tag fails the copy with the rule in the error; an allowed one goes through', async () => {
    await assert.rejects(copy('nightly-build'), (err: Error) => {
      // skopeo quotes the registry's message inside its own (quotes escaped) after the OCI code's description.
      assert.match(err.message, /tag invalid: tag \\"nightly-build\\" breaks naming rule \\"semver-only\\": it is none of the allowed forms; allowed: semver/);
      return true;
    });
    assert.equal((await fetchManifest(berth.url, 'rules/app', 'nightly-build')).status, 404);
    await copy('v1.0.0');
    const served = await fetchManifest(berth.url, 'rules/app', 'v1.0.0');
    assert.equal(served.status, 200);
    assert.equal(served.digest, image.manifest.digest);
  });
});
