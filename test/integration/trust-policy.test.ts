/**
 * Trust policy on pull (#7) against a real Berth over HTTP: images pushed and signed with Berth's own signer
 * (cosign's classic `.sig` tag and the v3 bundle referrer), the policy set through the REST API, and every
 * answer checked as a client sees it: status, OCI error, Warning header, audit events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatBasicAuthorization } from '../../src/auth/credentials.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { digestOf, type Digest } from '../../src/oci/digest.ts';
import { signImage, type SignMode } from '../../src/sign/image-signer.ts';
import { classicSignatureManifest, simpleSigningLayer } from '../../src/sign/signature-manifests.ts';
import { buildSimpleSigningPayload } from '../../src/sign/simple-signing.ts';
import { pushManifest } from '../../src/sign/signature-store.ts';
import { generateSigningKey, type SigningKey } from '../../src/sign/signing-key.ts';
import { expectBadField, expectProblem, expectStatus, startApiFixture, type ApiFixture } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../helpers/oci-client.ts';

interface Image {
  digest: Digest;
  bytes: Buffer;
  layers: Digest[];
}

const ADMIN = formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD);

describe('trust policy on pull', { timeout: 240_000 }, () => {
  let f: ApiFixture;
  let client: RegistryClient;
  let host: string;
  const trusted = generateSigningKey();
  const other = generateSigningKey();

  before(async () => {
    f = await startApiFixture();
    host = new URL(f.berth.url).host;
    client = new RegistryClient({ host, baseUrl: f.berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await f.project('acme');
    await f.project('free');
  });
  after(() => f?.stop());

  const pushBlob = async (repo: string, bytes: Buffer): Promise<Digest> => {
    const digest = digestOf(bytes);
    if (!(await client.hasBlob(repo, digest))) await client.uploadBlob(repo, await client.startUpload(repo), digest, new Blob([new Uint8Array(bytes)]).stream(), bytes.length);
    return digest;
  };

  async function pushImage(repo: string, tag: string, seed: string): Promise<Image> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed }));
    const layer = Buffer.from(`layer of ${seed}`);
    const configDigest = await pushBlob(repo, config);
    const layerDigest = await pushBlob(repo, layer);
    const bytes = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
    }));
    const digest = await client.putManifest(repo, tag, bytes, OCI_MANIFEST);
    return { digest, bytes, layers: [configDigest, layerDigest] };
  }

  const sign = (repo: string, image: { digest: Digest; bytes: Buffer }, key: SigningKey, mode: SignMode = 'tag') =>
    signImage(client, { registry: host, repository: repo, image: { digest: image.digest, mediaType: OCI_MANIFEST, size: image.bytes.length }, key, annotations: {}, mode, now: new Date() });

  const get = (path: string, method = 'GET') => fetch(`${f.berth.url}/v2/${path}`, { method, headers: { authorization: ADMIN, accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });

  async function expectDenied(res: Response): Promise<string> {
    assert.equal(res.status, 403, `expected 403, got ${res.status}: ${await res.clone().text()}`);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'DENIED');
    return body.errors[0]!.message;
  }

  const setPolicy = async (project: string, body: unknown) => expectStatus(await f.admin('PUT', `/projects/${project}/trust-policy`, body), 200);
  const keyOf = (name: string, key: SigningKey) => ({ name, publicKey: key.publicKey.toPem() });

  it('the API validates, stores and audits a policy; only manage-settings may change it', async () => {
    expectBadField(await f.admin('PUT', '/projects/acme/trust-policy', { mode: 'enforce', keys: [{ name: 'bad', publicKey: 'not a pem' }] }), 'body.keys.0.publicKey');
    expectBadField(await f.admin('PUT', '/projects/acme/trust-policy', { mode: 'sometimes' }), 'body.mode');
    expectProblem(await f.admin('GET', '/projects/acme/trust-policy'), 404, 'RESOURCE_UNKNOWN');
    const set = await f.admin('PUT', '/projects/acme/trust-policy', { mode: 'enforce', keys: [keyOf('release', trusted)] });
    expectStatus(set, 200);
    assert.equal(set.body.keys[0].hint, trusted.publicKey.hint);
    assert.equal(set.body.keys[0].algorithm, 'ecdsa-p256');
    assert.equal(set.body.updatedBy, 'admin');
    const read = await f.admin('GET', '/projects/acme/trust-policy');
    assert.deepEqual(read.body.keys.map((k: { name: string }) => k.name), ['release']);
    assert.equal(read.body.mode, 'enforce');
    const dev = await f.user('dev');
    await f.grant('acme', 'dev', 'developer');
    expectProblem(await dev('PUT', '/projects/acme/trust-policy', { mode: 'off' }), 403, 'DENIED');
    await f.berth.auth.audit.flush();
    const events = (await f.admin('GET', '/audit?action=trust-policy.set&project=acme')).body.items;
    assert.equal(events.length, 1);
    assert.equal(events[0].detail.keys[0].hint, trusted.publicKey.hint);
  });

  it('enforce refuses an unsigned pull by tag and its blobs, naming the policy, but never HEAD, digest, referrers or .sig reads', async () => {
    await setPolicy('acme', { mode: 'enforce', keys: [keyOf('release', trusted)] });
    const image = await pushImage('acme/app', 'v1', 'unsigned');
    const message = await expectDenied(await get('acme/app/manifests/v1'));
    assert.match(message, /trust policy of project acme/);
    assert.match(message, /not signed \(trusted: keys release\)/);
    await expectDenied(await get(`acme/app/blobs/${image.layers[1]}`));
    assert.equal((await get('acme/app/manifests/v1', 'HEAD')).status, 200);
    assert.equal((await get(`acme/app/manifests/${image.digest}`)).status, 200);
    assert.equal((await get(`acme/app/blobs/${image.layers[1]}`, 'HEAD')).status, 200);
    assert.equal((await get(`acme/app/referrers/${image.digest}`)).status, 200);
    // Another project without a policy pays nothing and refuses nothing.
    const free = await pushImage('free/app', 'v1', 'free');
    assert.equal((await get('free/app/manifests/v1')).status, 200);
    assert.equal((await get(`free/app/blobs/${free.layers[1]}`)).status, 200);

    // Signing pushes the .sig tag: the cached refusal is dropped, the pull goes through, .sig stays readable.
    const outcome = await sign('acme/app', image, trusted);
    assert.equal((await get('acme/app/manifests/v1')).status, 200);
    assert.equal((await get(`acme/app/blobs/${image.layers[1]}`)).status, 200);
    assert.equal((await get(`acme/app/manifests/${outcome.tag!.tag}`)).status, 200);
  });

  it('refuses signatures by another key, for another digest, or over an altered payload', async () => {
    await setPolicy('acme', { mode: 'enforce', keys: [keyOf('release', trusted)] });
    const byOther = await pushImage('acme/keys', 'other', 'by-other-key');
    await sign('acme/keys', byOther, other, 'both');
    assert.match(await expectDenied(await get('acme/keys/manifests/other')), /no signature by a trusted signer/);

    // A valid signature of image A placed under image B's .sig tag.
    const a = await pushImage('acme/keys', 'a', 'image-a');
    const b = await pushImage('acme/keys', 'b', 'image-b');
    const payloadA = buildSimpleSigningPayload(`${host}/acme/keys`, a.digest);
    await pushManifest(client, 'acme/keys', classicSignatureManifest([simpleSigningLayer(payloadA, trusted.sign(payloadA))], [payloadA]), `${b.digest.replace(':', '-')}.sig`);
    assert.match(await expectDenied(await get('acme/keys/manifests/b')), /for another digest/);

    // A payload for B changed after signing (its signature is over the original bytes).
    const c = await pushImage('acme/keys', 'c', 'image-c');
    const signed = buildSimpleSigningPayload(`${host}/acme/keys`, c.digest);
    const altered = buildSimpleSigningPayload(`${host}/acme/keys`, c.digest, { tampered: 'yes' });
    await pushManifest(client, 'acme/keys', classicSignatureManifest([simpleSigningLayer(altered, trusted.sign(signed))], [altered]), `${c.digest.replace(':', '-')}.sig`);
    assert.match(await expectDenied(await get('acme/keys/manifests/c')), /does not verify with this key/);
  });

  it('a cosign v3 bundle referrer signature is trusted; removing the key from the policy revokes it at once', async () => {
    await setPolicy('acme', { mode: 'enforce', keys: [keyOf('release', trusted), keyOf('ci', other)] });
    const image = await pushImage('acme/bundle', 'v1', 'bundle-signed');
    await expectDenied(await get('acme/bundle/manifests/v1'));
    await sign('acme/bundle', image, other, 'referrers');
    assert.equal((await get('acme/bundle/manifests/v1')).status, 200);
    await setPolicy('acme', { mode: 'enforce', keys: [keyOf('release', trusted)] });
    assert.match(await expectDenied(await get('acme/bundle/manifests/v1')), /keys release/);
  });

  it('a child manifest is trusted through a signed index listing it', async () => {
    await setPolicy('acme', { mode: 'enforce', keys: [keyOf('release', trusted)] });
    const child = await pushImage('acme/multi', 'child', 'child-of-index');
    const indexBytes = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.bytes.length, platform: { os: 'linux', architecture: 'amd64' } }],
    }));
    const indexDigest = await client.putManifest('acme/multi', 'v1', indexBytes, OCI_INDEX);
    await expectDenied(await get('acme/multi/manifests/v1'));
    await expectDenied(await get(`acme/multi/blobs/${child.layers[1]}`));
    await sign('acme/multi', { digest: indexDigest, bytes: indexBytes }, trusted);
    assert.equal((await get('acme/multi/manifests/v1')).status, 200);
    assert.equal((await get('acme/multi/manifests/child')).status, 200);
    assert.equal((await get(`acme/multi/blobs/${child.layers[1]}`)).status, 200);
  });

  it('audit allows and records the unsigned pull; warn allows with a Warning header; off judges nothing', async () => {
    const image = await pushImage('acme/modes', 'v1', 'modes');
    await setPolicy('acme', { mode: 'audit', keys: [keyOf('release', trusted)] });
    const audited = await get('acme/modes/manifests/v1');
    assert.equal(audited.status, 200);
    assert.equal(audited.headers.get('warning'), null);
    await f.berth.auth.audit.flush();
    const events = (await f.admin('GET', '/audit?action=pull-policy.audit&project=acme')).body.items;
    const event = events.find((e: { digest: string }) => e.digest === image.digest);
    assert.ok(event, 'a pull-policy.audit event for the digest');
    assert.equal(event.reference, 'v1');
    assert.equal(event.detail.policy, 'trust');
    assert.match(event.detail.reason, /not signed/);

    await setPolicy('acme', { mode: 'warn', keys: [keyOf('release', trusted)] });
    const warned = await get('acme/modes/manifests/v1');
    assert.equal(warned.status, 200);
    assert.match(warned.headers.get('warning') ?? '', /^299 - "trust policy: not signed \(trusted: keys release\)"$/);

    await setPolicy('acme', { mode: 'off', keys: [] });
    const off = await get('acme/modes/manifests/v1');
    assert.equal(off.status, 200);
    assert.equal(off.headers.get('warning'), null);
    expectStatus(await f.admin('DELETE', '/projects/acme/trust-policy'), 204);
    expectProblem(await f.admin('DELETE', '/projects/acme/trust-policy'), 404, 'RESOURCE_UNKNOWN');
  });
});
