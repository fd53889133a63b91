/**
 * The `signed-by` promotion gate (#7): promotion into a project is allowed only for images signed, in their
 * source repository, by a signer that project's trust policy trusts (optionally only named keys).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { digestOf } from '../../src/oci/digest.ts';
import { signImage } from '../../src/sign/image-signer.ts';
import { generateSigningKey } from '../../src/sign/signing-key.ts';
import { expectProblem, expectStatus, startApiFixture, type ApiFixture } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { OCI_MANIFEST } from '../helpers/oci-client.ts';

describe('signed-by promotion gate', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let client: RegistryClient;
  const release = generateSigningKey();
  const other = generateSigningKey();

  before(async () => {
    f = await startApiFixture();
    client = new RegistryClient({ host: new URL(f.berth.url).host, baseUrl: f.berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await f.project('acme');
    await f.project('prod');
  });
  after(() => f?.stop());

  async function push(tag: string) {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag }));
    await client.uploadBlob('acme/app', await client.startUpload('acme/app'), digestOf(config), new Blob([new Uint8Array(config)]).stream(), config.length);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length }, layers: [] }));
    return { digest: await client.putManifest('acme/app', tag, bytes, OCI_MANIFEST), size: bytes.length };
  }
  const sign = (image: { digest: any; size: number }, key = release) =>
    signImage(client, { registry: new URL(f.berth.url).host, repository: 'acme/app', image: { ...image, mediaType: OCI_MANIFEST }, key, annotations: {}, mode: 'tag', now: new Date() });
  const gateOf = (res: { body: any }) => (res.body.context?.gates ?? res.body.gates).find((g: { kind: string }) => g.kind === 'signed-by');

  it('refuses an unsigned image or one signed by another key; passes once signed by the trusted key', async () => {
    const kinds = (await f.admin('GET', '/promotion-gate-kinds')).body;
    assert.ok(JSON.stringify(kinds).includes('signed-by'), JSON.stringify(kinds));
    expectStatus(await f.admin('POST', '/projects/prod/promotion-gates', { kind: 'signed-by' }), 201);

    const image = await push('v1');
    const noPolicy = expectProblem(await f.admin('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1' }), 412, 'PROMOTION_GATE_FAILED');
    assert.match(JSON.stringify(noPolicy), /project prod has no trust policy/);

    expectStatus(await f.admin('PUT', '/projects/prod/trust-policy', { mode: 'audit', keys: [{ name: 'release', publicKey: release.publicKey.toPem() }] }), 200);
    await sign(image, other);
    const wrongKey = await f.admin('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1' });
    expectProblem(wrongKey, 412, 'PROMOTION_GATE_FAILED');
    assert.match(JSON.stringify(wrongKey.body), /no signature by a trusted signer \(trusted: keys release\)/);

    await sign(image);
    const promoted = await f.admin('POST', '/promotions', { source: 'acme/app:v1', to: 'prod/app:v1' });
    expectStatus(promoted, 200);
    assert.equal(gateOf(promoted).passed, true);
    assert.equal(gateOf(promoted).reason, 'signed by key release');
  });

  it('with keys named, only those keys count', async () => {
    const gate = await f.admin('POST', '/projects/prod/promotion-gates', { kind: 'signed-by', repository: 'other', params: { keys: 'ci, release' } });
    expectStatus(gate, 201);
    const image = await push('v2');
    await sign(image);
    const res = await f.admin('POST', '/promotions', { source: 'acme/app:v2', to: 'prod/other:v2' });
    expectProblem(res, 412, 'PROMOTION_GATE_FAILED');
    assert.match(JSON.stringify(res.body), /the trust policy of prod has no key ci/);
  });
});
