/**
 * Signatures made by sigstore's own JavaScript library (@sigstore/sign: DSSEBundleBuilder with a key signer and no
 * witnesses, i.e. offline, as `cosign sign --key --tlog-upload=false` does), pushed as cosign v3 bundle referrers:
 * Berth's trust policy accepts them for the key, and refuses one whose statement names another image and one whose
 * payload was altered after signing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, type Signer } from '@sigstore/sign';
import { formatBasicAuthorization } from '../../src/auth/credentials.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { digestOf, type Digest } from '../../src/oci/digest.ts';
import { bundleReferrerManifest } from '../../src/sign/signature-manifests.ts';
import { pushReferrer } from '../../src/sign/signature-store.ts';
import { generateSigningKey } from '../../src/sign/signing-key.ts';
import { expectStatus, startApiFixture, type ApiFixture } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { OCI_MANIFEST } from '../helpers/oci-client.ts';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

describe('signatures made with @sigstore/sign', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let client: RegistryClient;
  const key = generateSigningKey();
  // sigstore's Signer port, backed by a plain key: the bundle's verification material is the key's hint.
  const signer: Signer = { sign: async (data) => ({ signature: key.sign(data), key: { $case: 'publicKey', publicKey: key.publicKey.toPem(), hint: key.publicKey.hint } }) };
  const builder = new DSSEBundleBuilder({ signer, witnesses: [] });

  before(async () => {
    f = await startApiFixture();
    client = new RegistryClient({ host: new URL(f.berth.url).host, baseUrl: f.berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await f.project('acme');
    expectStatus(await f.admin('PUT', '/projects/acme/trust-policy', { mode: 'enforce', keys: [{ name: 'sigstore-js', publicKey: key.publicKey.toPem() }] }), 200);
  });
  after(() => f?.stop());

  async function pushImage(tag: string): Promise<{ digest: Digest; size: number }> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag }));
    const configDigest = digestOf(config);
    await client.uploadBlob('acme/app', await client.startUpload('acme/app'), configDigest, new Blob([new Uint8Array(config)]).stream(), config.length);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers: [] }));
    return { digest: await client.putManifest('acme/app', tag, bytes, OCI_MANIFEST), size: bytes.length };
  }

  /** cosign v3's sign statement for `about`, signed by sigstore-js into a bundle, attached to `image` as a referrer. */
  async function attach(image: { digest: Digest; size: number }, about: Digest, alter?: (bundle: any) => void): Promise<void> {
    const [alg, hex] = about.split(':') as [string, string];
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { [alg]: hex } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} }));
    const bundle = bundleToJSON(await builder.create({ data: statement, type: 'application/vnd.in-toto+json' })) as any;
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(bundle.verificationMaterial.publicKey.hint, key.publicKey.hint);
    alter?.(bundle);
    const built = bundleReferrerManifest({ mediaType: OCI_MANIFEST, digest: image.digest, size: image.size }, Buffer.from(JSON.stringify(bundle)), new Date());
    await pushReferrer(client, 'acme/app', image.digest, built, BUNDLE);
  }

  const pull = (tag: string) => fetch(`${f.berth.url}/v2/acme/app/manifests/${tag}`, { headers: { authorization: formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD), accept: OCI_MANIFEST } });
  const reason = async (tag: string) => {
    const res = await pull(tag);
    assert.equal(res.status, 403);
    return ((await res.json()) as { errors: { message: string }[] }).errors[0]!.message;
  };

  it('trusts a bundle sigstore-js signed for the image with the trusted key', async () => {
    const image = await pushImage('good');
    assert.equal((await pull('good')).status, 403);
    await attach(image, image.digest);
    assert.equal((await pull('good')).status, 200);
  });

  it('refuses a sigstore-js signature over another digest, and one whose payload was altered', async () => {
    const other = await pushImage('other');
    const image = await pushImage('elsewhere');
    await attach(image, other.digest);
    assert.match(await reason('elsewhere'), /the statement is for another digest/);

    const altered = await pushImage('altered');
    await attach(altered, other.digest, (bundle) => {
      // Re-point the signed statement at this image without re-signing it.
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
      statement.subject[0].digest.sha256 = altered.digest.split(':')[1];
      bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    });
    assert.match(await reason('altered'), /the bundle names this key but its signature does not verify: the payload or signature was altered/);
  });
});
