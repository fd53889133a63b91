/**
 * Keyless trust (#7): signatures whose verification material is a Fulcio-style certificate, checked offline
 * against the policy's CA roots. The CA and leaf certificates are made here with openssl (the Fulcio issuer
 * extension 1.3.6.1.4.1.57264.1.8 as a UTF8String, an email SAN, code signing usage), the sigstore bundles are
 * assembled by hand from sigstore's bundle spec (DSSE over cosign's sign statement), and pushed as cosign v3
 * referrers; the pull answers tell whether Berth trusted them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBasicAuthorization } from '../../src/auth/credentials.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { digestOf, type Digest } from '../../src/oci/digest.ts';
import { bundleReferrerManifest } from '../../src/sign/signature-manifests.ts';
import { pushReferrer } from '../../src/sign/signature-store.ts';
import { expectBadField, expectStatus, startApiFixture, type ApiFixture } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { OCI_MANIFEST } from '../helpers/oci-client.ts';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const ISSUER = 'https://token.actions.example.com';

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')} failed (the openssl command line tool is required: apt-get install openssl): ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
}

interface Leaf {
  certDer: Buffer;
  keyPem: string;
}

describe('keyless trust: certificates chained to the policy\'s roots', { timeout: 240_000 }, () => {
  let f: ApiFixture;
  let client: RegistryClient;
  let work: string;
  let rootPem: string;
  let otherRootPem: string;
  let seq = 0;

  async function makeRoot(name: string): Promise<string> {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], work);
    return readFile(join(work, `${name}.pem`), 'utf8');
  }

  async function makeLeaf(root: string, email: string, issuer: string, eku = 'codeSigning'): Promise<Leaf> {
    const name = `leaf-${++seq}`;
    await writeFile(join(work, `${name}.cnf`), [
      'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${eku}`,
      `subjectAltName=email:${email}`, `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`, '',
    ].join('\n'));
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], work);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${root}.pem`, '-CAkey', `${root}.key`, '-CAcreateserial', '-days', '1', '-extfile', `${name}.cnf`, '-outform', 'DER', '-out', `${name}.der`], work);
    return { certDer: await readFile(join(work, `${name}.der`)), keyPem: await readFile(join(work, `${name}.key`), 'utf8') };
  }

  /** cosign v3's keyless bundle: certificate verification material, a tlog entry's integratedTime, DSSE over the sign statement. */
  function keylessBundle(digest: Digest, leaf: Leaf, integratedTime?: number): Buffer {
    const [alg, hex] = digest.split(':') as [string, string];
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { [alg]: hex } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} }));
    const type = 'application/vnd.in-toto+json';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${statement.length} `), statement]);
    const sig = cryptoSign('sha256', pae, createPrivateKey(leaf.keyPem));
    return Buffer.from(JSON.stringify({
      mediaType: BUNDLE,
      verificationMaterial: {
        certificate: { rawBytes: leaf.certDer.toString('base64') },
        ...(integratedTime !== undefined ? { tlogEntries: [{ logIndex: '1', integratedTime: String(integratedTime) }] } : {}),
      },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType: type, signatures: [{ sig: sig.toString('base64') }] },
    }));
  }

  /** `signedAfterSeconds`: the bundle's integratedTime, that long after now (the certificate was just issued). */
  async function pushSignedImage(repo: string, tag: string, leaf: Leaf, signedAfterSeconds?: number): Promise<void> {
    const integratedTime = signedAfterSeconds === undefined ? undefined : Math.ceil(Date.now() / 1000) + 1 + signedAfterSeconds;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag }));
    const configDigest = digestOf(config);
    await client.uploadBlob(repo, await client.startUpload(repo), configDigest, new Blob([new Uint8Array(config)]).stream(), config.length);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers: [] }));
    const digest = await client.putManifest(repo, tag, bytes, OCI_MANIFEST);
    const built = bundleReferrerManifest({ mediaType: OCI_MANIFEST, digest, size: bytes.length }, keylessBundle(digest, leaf, integratedTime), new Date());
    await pushReferrer(client, repo, digest, built, BUNDLE);
  }

  const pull = (path: string) => fetch(`${f.berth.url}/v2/${path}`, { headers: { authorization: formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD), accept: OCI_MANIFEST } });
  async function refusal(path: string): Promise<string> {
    const res = await pull(path);
    assert.equal(res.status, 403, `expected 403 for ${path}`);
    return ((await res.json()) as { errors: { message: string }[] }).errors[0]!.message;
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'trust-keyless-'));
    rootPem = await makeRoot('root');
    otherRootPem = await makeRoot('other-root');
    f = await startApiFixture();
    client = new RegistryClient({ host: new URL(f.berth.url).host, baseUrl: f.berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await f.project('acme');
  });
  after(async () => {
    await f?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses a root that is not a CA and a pattern that is not a regular expression', async () => {
    const leaf = await makeLeaf('root', 'x@example.com', ISSUER);
    const leafPem = `-----BEGIN CERTIFICATE-----\n${leaf.certDer.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expectBadField(await f.admin('PUT', '/projects/acme/trust-policy', { mode: 'enforce', keyless: { roots: [leafPem], identities: [{ issuer: ISSUER, subjectRegexp: '.*' }] } }), 'body.keyless.roots.0');
    expectBadField(await f.admin('PUT', '/projects/acme/trust-policy', { mode: 'enforce', keyless: { roots: [rootPem], identities: [{ issuer: ISSUER, subjectRegexp: '(' }] } }), 'body.keyless.identities.0.subjectRegexp');
  });

  it('trusts a certificate for a trusted identity, and refuses wrong identities, other roots, other usages and expired certificates', async () => {
    expectStatus(await f.admin('PUT', '/projects/acme/trust-policy', {
      mode: 'enforce', keyless: { roots: [rootPem], identities: [{ issuer: ISSUER, subjectRegexp: '.*@example\\.com' }] },
    }), 200);
    await pushSignedImage('acme/app', 'good', await makeLeaf('root', 'dev@example.com', ISSUER), 0);
    assert.equal((await pull('acme/app/manifests/good')).status, 200);
    // No signing time in the bundle: the certificate must be valid now, which it is.
    await pushSignedImage('acme/app', 'untimed', await makeLeaf('root', 'dev@example.com', ISSUER));
    assert.equal((await pull('acme/app/manifests/untimed')).status, 200);

    await pushSignedImage('acme/app', 'stranger', await makeLeaf('root', 'eve@evil.example', ISSUER), 0);
    assert.match(await refusal('acme/app/manifests/stranger'), /signed by eve@evil\.example from https:\/\/token\.actions\.example\.com, not a trusted identity/);
    await pushSignedImage('acme/app', 'issuer', await makeLeaf('root', 'dev@example.com', 'https://accounts.elsewhere.example'), 0);
    assert.match(await refusal('acme/app/manifests/issuer'), /from https:\/\/accounts\.elsewhere\.example, not a trusted identity/);
    await pushSignedImage('acme/app', 'foreign', await makeLeaf('other-root', 'dev@example.com', ISSUER), 0);
    assert.match(await refusal('acme/app/manifests/foreign'), /does not chain to a trusted root/);
    await pushSignedImage('acme/app', 'tls', await makeLeaf('root', 'dev@example.com', ISSUER, 'serverAuth'), 0);
    assert.match(await refusal('acme/app/manifests/tls'), /not for code signing/);
    // Signed two days after the one-day certificate expired.
    await pushSignedImage('acme/app', 'expired', await makeLeaf('root', 'dev@example.com', ISSUER), 2 * 86_400);
    assert.match(await refusal('acme/app/manifests/expired'), /is not valid at signing time/);

    // The other root trusted too: the foreign certificate now passes.
    expectStatus(await f.admin('PUT', '/projects/acme/trust-policy', {
      mode: 'enforce', keyless: { roots: [rootPem, otherRootPem], identities: [{ issuer: ISSUER, subjectRegexp: 'dev@example\\.com' }] },
    }), 200);
    assert.equal((await pull('acme/app/manifests/foreign')).status, 200);
  });
});
