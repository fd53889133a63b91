/**
 * The trust policy as real clients meet it (#7): skopeo and podman pulling from a Berth whose project enforces
 * signatures. An unsigned pull fails with the policy's message, audit mode lets it through and records it, the
 * digest reads signing tools make keep working, and a signature (made with Berth's signer) opens the pull.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import type { Digest } from '../../src/oci/digest.ts';
import { signImage } from '../../src/sign/image-signer.ts';
import { generateSigningKey } from '../../src/sign/signing-key.ts';
import { basic, callerFor, expectStatus, type Caller } from '../api/api-client.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../helpers/containers-tools.ts';
import { testImage, type BuiltImage } from '../helpers/test-image.ts';

describe('trust policy with skopeo and podman', { timeout: 600_000 }, () => {
  let berth: TestBerth;
  let tools: ContainersSandbox;
  let work: string;
  let image: BuiltImage;
  let host: string;
  let admin: Caller;
  const key = generateSigningKey();
  const creds = `admin:${TEST_ADMIN_PASSWORD}`;

  before(async () => {
    assertToolsInstalled('skopeo', 'podman', 'umoci');
    berth = await startTestBerth();
    host = new URL(berth.url).host;
    admin = callerFor(berth, basic('admin', TEST_ADMIN_PASSWORD));
    tools = await createContainersSandbox();
    work = await mkdtemp(join(tmpdir(), 'trust-interop-'));
    image = await testImage().layer({ 'etc/motd': 'trust me\n' }).build(join(work, 'src'), 'v1');
    expectStatus(await admin('POST', '/projects', { name: 'acme', isPublic: false }), 201);
    await tools.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${image.dir}:v1`, `docker://${host}/acme/app:v1`]);
  });
  after(async () => {
    await tools?.dispose();
    await berth?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const setPolicy = async (mode: string) =>
    expectStatus(await admin('PUT', '/projects/acme/trust-policy', { mode, keys: [{ name: 'release', publicKey: key.publicKey.toPem() }] }), 200);
  const pull = (ref: string, to: string) => tools.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${host}/${ref}`, `oci:${join(work, to)}:pulled`]);

  it('enforce: skopeo and podman are refused an unsigned image by tag, with the policy named; digest reads still work', async () => {
    await setPolicy('enforce');
    await assert.rejects(pull('acme/app:v1', 'refused'), /denied: pull of acme\/app@sha256:[0-9a-f]{64} refused by the trust policy of project acme: not signed \(trusted: keys release\)/);
    await assert.rejects(
      tools.podman(['pull', '--tls-verify=false', '--creds', creds, `${host}/acme/app:v1`]),
      /refused by the trust policy of project acme: not signed/,
    );
    // What cosign and skopeo inspect need: the manifest by digest (blobs of an unsigned image stay refused).
    const raw = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${host}/acme/app@${image.manifest.digest}`]);
    assert.deepEqual(Buffer.from(raw.stdout), image.manifest.bytes);
    // Pinning the digest does not get the content: the blobs are refused (skopeo shows only the status for blobs).
    await assert.rejects(pull(`acme/app@${image.manifest.digest}`, 'by-digest'), /reading blob sha256:[0-9a-f]{64}: .*403 \(Forbidden\)/);
  });

  it('audit: the unsigned pull goes through and is recorded', async () => {
    await setPolicy('audit');
    await pull('acme/app:v1', 'audited');
    await berth.auth.audit.flush();
    const events = (await admin('GET', '/audit?action=pull-policy.audit&project=acme')).body.items as { digest: string; reference: string; actorName: string }[];
    assert.ok(events.some((e) => e.digest === image.manifest.digest && e.reference === 'v1' && e.actorName === 'admin'), JSON.stringify(events));
  });

  it('enforce: once signed by the trusted key, skopeo and podman pull it', async () => {
    await setPolicy('enforce');
    const client = new RegistryClient({ host, baseUrl: berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await signImage(client, {
      registry: host, repository: 'acme/app', key, annotations: {}, mode: 'both', now: new Date(),
      image: { digest: image.manifest.digest as Digest, mediaType: image.manifest.mediaType, size: image.manifest.size },
    });
    await pull('acme/app:v1', 'signed');
    await tools.podman(['pull', '--tls-verify=false', '--creds', creds, `${host}/acme/app:v1`]);
  });
});
