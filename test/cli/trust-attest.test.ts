/**
 * `berth trust`, `berth attest`, `berth attestations` and `berth verify-attestation`, run as the CLI binary
 * against a real Berth with authentication: a policy requiring a signature and a SLSA provenance attestation is
 * set from the command line, and pulls by tag tell whether the image now satisfies it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBasicAuthorization } from '../../src/auth/credentials.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { digestOf } from '../../src/oci/digest.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { OCI_MANIFEST } from '../helpers/oci-client.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const SLSA1 = 'https://slsa.dev/provenance/v1';

function ok(run: CliRun, what: string): CliRun {
  assert.equal(run.code, 0, `${what} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

describe('berth trust / attest / attestations / verify-attestation', { timeout: 300_000 }, () => {
  let berth: TestBerth;
  let work: string;
  let env: Record<string, string>;
  const auth = formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD);

  const pull = (tag: string) => fetch(`${berth.url}/v2/acme/app/manifests/${tag}`, { headers: { authorization: auth, accept: OCI_MANIFEST } });

  before(async () => {
    berth = await startTestBerth();
    work = await mkdtemp(join(tmpdir(), 'berth-trust-cli-'));
    env = { BERTH_SERVER: berth.url, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD, XDG_CONFIG_HOME: work, BERTH_KEY_PASSWORD: 'key-password' };
    ok(await runBerth(['project', 'create', 'acme'], { env }), 'project create');
    ok(await runBerth(['keygen', '--output', join(work, 'release')], { env }), 'keygen release');
    ok(await runBerth(['keygen', '--output', join(work, 'other')], { env }), 'keygen other');
    const client = new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const digest = digestOf(config);
    await client.uploadBlob('acme/app', await client.startUpload('acme/app'), digest, new Blob([new Uint8Array(config)]).stream(), config.length);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length }, layers: [] }));
    await client.putManifest('acme/app', 'v1', manifest, OCI_MANIFEST);
    await writeFile(join(work, 'provenance.json'), JSON.stringify({ buildDefinition: { buildType: 'https://example.com/build/v1' }, runDetails: { builder: { id: 'ci' } } }));
  });
  after(async () => {
    await berth?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('trust set / show / remove, with usage errors exiting 2', async () => {
    assert.equal((await runBerth(['trust', 'set', 'acme', '--mode', 'sometimes'], { env })).code, 2);
    assert.equal((await runBerth(['trust', 'set', 'acme', '--mode', 'enforce', '--key', 'nofile'], { env })).code, 2);
    assert.equal((await runBerth(['trust', 'set', 'acme', '--mode', 'enforce', '--require-attestation', 'not a type'], { env })).code, 2);
    const set = jsonOf<{ mode: string; keys: { name: string; hint: string }[]; requiredAttestations: string[] }>(ok(await runBerth(
      ['trust', 'set', 'acme', '--mode', 'enforce', '--key', `release=${join(work, 'release.pub')}`, '--require-attestation', 'slsaprovenance1', '--json'], { env }), 'trust set'));
    assert.equal(set.mode, 'enforce');
    assert.deepEqual(set.keys.map((k) => k.name), ['release']);
    assert.deepEqual(set.requiredAttestations, [SLSA1]);
    const shown = ok(await runBerth(['trust', 'show', 'acme'], { env }), 'trust show');
    assert.match(shown.stdout, /Trust policy of project acme: enforce/);
    assert.match(shown.stdout, /requires  https:\/\/slsa\.dev\/provenance\/v1/);
    assert.equal((await runBerth(['trust', 'show', 'nope'], { env })).code, 5);
  });

  it('a signed image still needs its required attestation; attest adds it and the pull goes through', async () => {
    assert.equal((await pull('v1')).status, 403);
    ok(await runBerth(['sign', 'acme/app:v1', '--key', join(work, 'release.key')], { env }), 'sign');
    const missing = await pull('v1');
    assert.equal(missing.status, 403);
    assert.match(((await missing.json()) as { errors: { message: string }[] }).errors[0]!.message, /signed by key release, but missing required attestations signed by a trusted signer: https:\/\/slsa\.dev\/provenance\/v1/);

    // An attestation by an untrusted key does not count.
    ok(await runBerth(['attest', 'acme/app:v1', '--key', join(work, 'other.key'), '--predicate', join(work, 'provenance.json'), '--type', 'slsaprovenance1', '--mode', 'tag'], { env }), 'attest other');
    assert.equal((await pull('v1')).status, 403);
    const attested = jsonOf<{ predicateType: string; tag: { tag: string }; referrer: { manifest: string } }>(ok(await runBerth(
      ['attest', 'acme/app:v1', '--key', join(work, 'release.key'), '--predicate', join(work, 'provenance.json'), '--type', 'slsaprovenance1', '--json'], { env }), 'attest'));
    assert.equal(attested.predicateType, SLSA1);
    assert.match(attested.tag.tag, /^sha256-[0-9a-f]{64}\.att$/);
    assert.equal((await pull('v1')).status, 200);
  });

  it('attestations lists and checks; verify-attestation exits 0 only for a valid one by the key', async () => {
    const listed = jsonOf<{ attestations: { source: string; predicateType: string; isVerified: boolean; predicate?: unknown }[] }>(ok(await runBerth(
      ['attestations', 'acme/app:v1', '--key', join(work, 'release.pub'), '--json'], { env }), 'attestations'));
    assert.deepEqual(listed.attestations.map((a) => [a.source, a.predicateType, a.isVerified]), [['tag', SLSA1, false], ['tag', SLSA1, true], ['referrer', SLSA1, true]]);
    assert.deepEqual(listed.attestations[1]!.predicate, { buildDefinition: { buildType: 'https://example.com/build/v1' }, runDetails: { builder: { id: 'ci' } } });
    ok(await runBerth(['verify-attestation', 'acme/app:v1', '--key', join(work, 'release.pub'), '--type', 'slsaprovenance1'], { env }), 'verify-attestation');
    const wrongType = await runBerth(['verify-attestation', 'acme/app:v1', '--key', join(work, 'release.pub'), '--type', 'cyclonedx'], { env });
    assert.equal(wrongType.code, 1);
    assert.match(wrongType.stderr, /no https:\/\/cyclonedx\.org\/bom attestations found/);
    // The other key's attestation is valid for that key (though the policy does not trust it): just that one.
    const byOther = jsonOf<{ attestations: { isVerified: boolean }[] }>(ok(await runBerth(
      ['verify-attestation', 'acme/app:v1', '--key', join(work, 'other.pub'), '--type', 'slsaprovenance1', '--json'], { env }), 'verify-attestation other'));
    assert.deepEqual(byOther.attestations.map((a) => a.isVerified), [true, false, false]);
  });
});
