/**
 * Copies keep their trust (#7): `berth copy` carries an image's signatures and attestations (cosign's .sig/.att
 * tags and OCI 1.1 referrers) from Berth to Distribution 2.8 (no referrers API: the fallback index is written
 * there) and back into another Berth project, where `berth verify` and a trust policy accept the copy.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { OCI_MANIFEST, pushImage } from '../helpers/oci-client.ts';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

function ok(run: CliRun, what: string): CliRun {
  assert.equal(run.code, 0, `${what} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

interface CopyJson {
  digest: string;
  trust: { referrers: number; tags: number };
}

describe('berth copy keeps signatures and attestations', { timeout: 300_000 }, () => {
  let berth: TestBerth;
  let reference: ReferenceRegistry;
  let work: string;
  let env: Record<string, string>;
  let digest: string;

  before(async () => {
    [berth, reference] = await Promise.all([startTestBerth({}, { open: true }), startReferenceRegistry()]);
    work = await mkdtemp(join(tmpdir(), 'berth-copy-trust-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: work, BERTH_KEY_PASSWORD: 'key-password' };
    ok(await runBerth(['keygen', '--output', join(work, 'release')], { env }), 'keygen');
    digest = (await pushImage(berth.url, 'src/app', 'v1', ['signed layer'])).digest;
    await writeFile(join(work, 'sbom.json'), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] }));
    ok(await runBerth(['sign', 'src/app:v1', '--key', join(work, 'release.key')], { env }), 'sign');
    ok(await runBerth(['attest', 'src/app:v1', '--key', join(work, 'release.key'), '--type', 'cyclonedx', '--predicate', join(work, 'sbom.json')], { env }), 'attest');
  });
  after(async () => {
    await Promise.all([berth?.stop(), reference?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function verify(image: string): Promise<{ isVerified: boolean; signatures: { source: string; isVerified: boolean }[] }> {
    return jsonOf(ok(await runBerth(['verify', image, '--key', join(work, 'release.pub'), '--ignore-reference', '--json'], { env }), `verify ${image}`));
  }

  it('Berth -> Distribution 2.8 (fallback index) -> another Berth project: signatures and attestations verify everywhere', async () => {
    const out = jsonOf<CopyJson>(ok(await runBerth(['copy', 'src/app:v1', `${reference.host}/mirror/app:v1`, '--json'], { env }), 'copy to distribution'));
    assert.equal(out.digest, digest);
    // .sig and .att tags, and two bundle referrers (signature and attestation).
    assert.deepEqual(out.trust, { referrers: 2, tags: 2 });

    const mirrored = await verify(`${reference.host}/mirror/app:v1`);
    assert.equal(mirrored.isVerified, true);
    assert.deepEqual(mirrored.signatures.map((s) => [s.source, s.isVerified]).sort(), [['referrer', true], ['tag', true]]);
    ok(await runBerth(['verify-attestation', `${reference.host}/mirror/app:v1`, '--key', join(work, 'release.pub'), '--type', 'cyclonedx'], { env }), 'verify-attestation on distribution');
    // The fallback index Distribution lacks the API for lists both referrers.
    const fallback = await fetch(`http://${reference.host}/v2/mirror/app/manifests/${digest.replace(':', '-')}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    assert.equal(fallback.status, 200);
    assert.equal(((await fallback.json()) as { manifests: unknown[] }).manifests.length, 2);

    const back = jsonOf<CopyJson>(ok(await runBerth(['copy', `${reference.host}/mirror/app:v1`, 'prod/app:v1', '--json'], { env }), 'copy back'));
    assert.deepEqual(back.trust, { referrers: 2, tags: 2 });
    assert.equal((await verify('prod/app:v1')).isVerified, true);
    const referrers = await fetch(`${berth.url}/v2/prod/app/referrers/${digest}`);
    assert.equal(((await referrers.json()) as { manifests: unknown[] }).manifests.length, 2);

    // A trust policy requiring the key and the SBOM attestation accepts the copy.
    const project = await fetch(`${berth.url}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'prod', isPublic: false }) });
    assert.ok([201, 409].includes(project.status), await project.text());
    const policy = await fetch(`${berth.url}/api/v1/projects/prod/trust-policy`, {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'enforce', keys: [{ name: 'release', publicKey: await readFile(join(work, 'release.pub'), 'utf8') }], requiredAttestations: ['https://cyclonedx.org/bom'] }),
    });
    assert.equal(policy.status, 200, await policy.text());
    assert.equal((await fetch(`${berth.url}/v2/prod/app/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status, 200);
  });
});
