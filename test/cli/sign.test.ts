/**
 * `berth keygen`, `berth sign`, `berth verify` against a real Berth (and Distribution 2.8, which has no referrers
 * API), run as the CLI binary.
 *
 * cosign itself is not packaged for Debian 12 (`apt-cache policy cosign` finds nothing), so interoperability is
 * tested against cosign's written formats instead, with code independent of src/sign/: the keys in
 * test/fixtures/cosign/ were made by hand (make-fixtures.ts: node:crypto + tweetnacl) in cosign's encrypted key
 * format; signatures "from cosign" are assembled here from specs/SIGNATURE_SPEC.md (simple-signing layer in the
 * `sha256-<hex>.sig` manifest) and specs/BUNDLE_SPEC.md (cosign v3's sigstore bundle referrer with a DSSE in-toto
 * statement of predicate https://sigstore.dev/cosign/sign/v1), and what Berth writes is read back over raw HTTP and
 * checked field by field, its signatures verified with node:crypto alone.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, scryptSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import nacl from 'tweetnacl';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { OCI_INDEX, OCI_MANIFEST, pushBlob, pushImage, putManifest, sha256, type PushedImage } from '../helpers/oci-client.ts';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cosign');
const FIXTURE_PASSWORD = 'berth-fixture-password';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const IN_TOTO = 'application/vnd.in-toto+json';
const NOTATION = 'application/vnd.cncf.notary.signature';
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

interface Check {
  format: string;
  source: string;
  manifest: string;
  layer?: number;
  isVerified: boolean;
  reason?: string;
  payload?: any;
  annotations?: Record<string, unknown>;
}
interface VerifyJson {
  image: { registry: string; repository: string; digest: string };
  isVerified: boolean;
  signatures: Check[];
}
interface SignJson {
  image: { digest: string };
  keyHint: string;
  tag?: { tag: string; manifest: string; isNew: boolean };
  referrer?: { manifest: string; isNew: boolean; isFallback: boolean };
}

function fixture(name: string): string {
  return join(FIXTURES, name);
}

function sigTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

function pae(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
}

/** cosign's encrypted key format decrypted without Berth's code: scrypt (node:crypto) + NaCl secretbox (tweetnacl). */
function independentDecrypt(pemText: string, password: string): KeyObject {
  const body = /-----BEGIN ([A-Z ]+)-----\n([\s\S]+?)\n-----END \1-----/.exec(pemText)!;
  const doc = JSON.parse(Buffer.from(body[2]!.replace(/\s/g, ''), 'base64').toString('utf8'));
  assert.equal(doc.kdf.name, 'scrypt');
  assert.equal(doc.cipher.name, 'nacl/secretbox');
  const { N, r, p } = doc.kdf.params;
  const secret = scryptSync(password, Buffer.from(doc.kdf.salt, 'base64'), 32, { N, r, p, maxmem: 512 * 1024 * 1024 });
  const opened = nacl.secretbox.open(Buffer.from(doc.ciphertext, 'base64'), Buffer.from(doc.cipher.nonce, 'base64'), secret);
  assert.ok(opened, 'secretbox opens with the password');
  return createPrivateKey({ key: Buffer.from(opened), format: 'der', type: 'pkcs8' });
}

async function getJson(base: string, path: string, accept = `${OCI_MANIFEST}, ${OCI_INDEX}`): Promise<any> {
  const res = await fetch(`${base}${path}`, { headers: { accept } });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

async function getBlob(base: string, repo: string, digest: string): Promise<Buffer> {
  const res = await fetch(`${base}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200, `blob ${digest}`);
  return Buffer.from(await res.arrayBuffer());
}

/** PUTs a manifest under `ref`, or by its digest when `ref` is undefined; returns the digest. */
async function put(base: string, repo: string, ref: string | undefined, doc: unknown, mediaType = OCI_MANIFEST): Promise<string> {
  const bytes = JSON.stringify(doc);
  const res = await putManifest(base, repo, ref ?? sha256(bytes), bytes, mediaType);
  assert.equal(res.status, 201, `PUT ${repo}:${ref}: ${await res.text()}`);
  return sha256(bytes);
}

/** Signs like cosign: SHA-256 for ECDSA/RSA (DER ECDSA signatures), the message itself for Ed25519. */
function cosignSign(key: KeyObject, data: Buffer): Buffer {
  return cryptoSign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key);
}

/** A simple-signing payload as cosign writes it (sigstore payload.Cosign). */
function cosignPayload(reference: string, digest: string, optional: Record<string, string> | null = null): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional }));
}

/** The classic `.sig` manifest cosign pushes: one simple-signing layer per signature, the signature as annotation. */
async function pushCosignSigManifest(base: string, repo: string, image: string, sigs: Array<{ payload: Buffer; signature: Buffer }>): Promise<string> {
  const layers = [];
  for (const s of sigs) {
    const digest = await pushBlob(base, repo, s.payload);
    layers.push({ mediaType: SIMPLE_SIGNING, size: s.payload.length, digest, annotations: { [SIGNATURE_ANNOTATION]: s.signature.toString('base64') } });
  }
  const config = JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: [], os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} });
  const configDigest = await pushBlob(base, repo, config);
  return put(base, repo, sigTag(image), { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest }, layers });
}

/** cosign v3's image signature: a sigstore bundle (DSSE, in-toto statement, cosign's sign predicate) as a referrer of `subject`. */
async function pushCosignV3Referrer(base: string, repo: string, subject: PushedImage, key: KeyObject, statementDigest = subject.digest): Promise<string> {
  const [alg, hex] = statementDigest.split(':');
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { [alg!]: hex }, annotations: {} }], predicateType: SIGN_PREDICATE, predicate: {} }));
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const bundle = JSON.stringify({
    mediaType: BUNDLE,
    verificationMaterial: { publicKey: { hint: createHash('sha256').update(spki).digest('base64') } },
    dsseEnvelope: { payload: statement.toString('base64'), payloadType: IN_TOTO, signatures: [{ sig: cosignSign(key, pae(IN_TOTO, statement)).toString('base64') }] },
  });
  const bundleDigest = await pushBlob(base, repo, bundle);
  await pushBlob(base, repo, '{}');
  return put(base, repo, undefined, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: BUNDLE, digest: bundleDigest, size: Buffer.byteLength(bundle) }],
    subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: Buffer.byteLength(subject.manifest) },
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': SIGN_PREDICATE, 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
  });
}

function ok(run: CliRun, what: string): void {
  assert.equal(run.code, 0, `${what}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

describe('berth keygen / sign / verify (cosign formats)', () => {
  let berth: TestBerth;
  let work: string;
  let env: Record<string, string>;
  let host: string;
  let keyA: string;

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    host = new URL(berth.url).host;
    work = await mkdtemp(join(tmpdir(), 'berth-sign-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: work, BERTH_KEY_PASSWORD: 'alpha-password' };
    keyA = join(work, 'alpha');
    ok(await runBerth(['keygen', '--output', keyA], { env }), 'keygen alpha');
  });
  after(async () => {
    await berth.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('keygen writes a cosign encrypted key that an independent scrypt + secretbox decryption opens, and its .pub', async () => {
    const pemText = await readFile(`${keyA}.key`, 'utf8');
    assert.match(pemText, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    assert.equal((await stat(`${keyA}.key`)).mode & 0o777, 0o600);
    const doc = JSON.parse(Buffer.from(pemText.split('\n').slice(1, -2).join(''), 'base64').toString('utf8'));
    assert.deepEqual(Object.keys(doc), ['kdf', 'cipher', 'ciphertext']);
    assert.deepEqual(doc.kdf.params, { N: 65536, r: 8, p: 1 });
    const privateKey = independentDecrypt(pemText, 'alpha-password');
    assert.equal(privateKey.asymmetricKeyType, 'ec');
    assert.equal(privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const pub = await readFile(`${keyA}.pub`, 'utf8');
    assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(createPublicKey(pub).export({ format: 'pem', type: 'spki' }), createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }));
    assert.throws(() => independentDecrypt(pemText, 'wrong'), /secretbox opens/);
  });

  it('keygen refuses to overwrite, and needs a password when there is no terminal', async () => {
    const again = await runBerth(['keygen', '--output', keyA], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists: pass --force/);
    const { BERTH_KEY_PASSWORD: _unused, ...noPassword } = env;
    const none = await runBerth(['keygen', '--output', join(work, 'nopass')], { env: noPassword });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /BERTH_KEY_PASSWORD/);
  });

  it('signs by tag in both forms, writes exactly what cosign writes, and verifies', async () => {
    const image = await pushImage(berth.url, 'app/web', 'v1', ['web-layer']);
    const signed = await runBerth(['sign', 'app/web:v1', '--key', `${keyA}.key`, '--annotation', 'team=core', '--json'], { env });
    ok(signed, 'sign');
    const out = jsonOf<SignJson>(signed);
    assert.equal(out.image.digest, image.digest, 'the tag was resolved to the digest');
    assert.equal(out.tag?.tag, sigTag(image.digest));
    assert.equal(out.tag?.isNew, true);
    assert.equal(out.referrer?.isNew, true);
    assert.equal(out.referrer?.isFallback, false);
    const publicKey = createPublicKey(await readFile(`${keyA}.pub`, 'utf8'));

    // Classic form, read back as cosign reads it.
    const sig = await getJson(berth.url, `/v2/app/web/manifests/${sigTag(image.digest)}`);
    assert.equal(sig.mediaType, OCI_MANIFEST);
    assert.equal(sig.layers.length, 1);
    const [layer] = sig.layers;
    assert.equal(layer.mediaType, SIMPLE_SIGNING);
    const payload = await getBlob(berth.url, 'app/web', layer.digest);
    assert.equal(layer.size, payload.length);
    assert.deepEqual(JSON.parse(payload.toString('utf8')), {
      critical: { identity: { 'docker-reference': `${host}/app/web` }, image: { 'docker-manifest-digest': image.digest }, type: 'cosign container image signature' },
      optional: { team: 'core' },
    });
    assert.ok(cryptoVerify('sha256', payload, publicKey, Buffer.from(layer.annotations[SIGNATURE_ANNOTATION], 'base64')), 'ECDSA-SHA256 signature over the payload bytes');
    const config = JSON.parse((await getBlob(berth.url, 'app/web', sig.config.digest)).toString('utf8'));
    assert.deepEqual(config.rootfs.diff_ids, [layer.digest]);

    // Referrers form, read back as cosign v3 reads it.
    const referrers = await getJson(berth.url, `/v2/app/web/referrers/${image.digest}`, OCI_INDEX);
    assert.equal(referrers.manifests.length, 1);
    const entry = referrers.manifests[0];
    assert.equal(entry.digest, out.referrer?.manifest);
    assert.equal(entry.artifactType, BUNDLE);
    assert.equal(entry.annotations['dev.sigstore.bundle.content'], 'dsse-envelope');
    assert.equal(entry.annotations['dev.sigstore.bundle.predicateType'], SIGN_PREDICATE);
    const referrer = await getJson(berth.url, `/v2/app/web/manifests/${entry.digest}`);
    assert.equal(referrer.subject.digest, image.digest);
    assert.equal(referrer.config.digest, EMPTY_DIGEST);
    assert.equal(referrer.layers[0].mediaType, BUNDLE);
    const bundle = JSON.parse((await getBlob(berth.url, 'app/web', referrer.layers[0].digest)).toString('utf8'));
    assert.equal(bundle.mediaType, BUNDLE);
    assert.equal(bundle.verificationMaterial.publicKey.hint, createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64'));
    assert.equal(bundle.dsseEnvelope.payloadType, IN_TOTO);
    const statementBytes = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
    assert.ok(cryptoVerify('sha256', pae(IN_TOTO, statementBytes), publicKey, Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64')), 'DSSE signature over the PAE');
    const statement = JSON.parse(statementBytes.toString('utf8'));
    assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
    assert.equal(statement.predicateType, SIGN_PREDICATE);
    assert.deepEqual(statement.subject, [{ digest: { sha256: image.digest.slice(7) }, annotations: { team: 'core' } }]);

    const verified = await runBerth(['verify', 'app/web:v1', '--key', `${keyA}.pub`, '--json'], { env });
    ok(verified, 'verify');
    const v = jsonOf<VerifyJson>(verified);
    assert.equal(v.isVerified, true);
    assert.equal(v.image.digest, image.digest);
    assert.deepEqual(v.signatures.map((s) => [s.format, s.source, s.isVerified]), [['simple-signing', 'tag', true], ['sigstore-bundle', 'referrer', true]]);
    assert.deepEqual(v.signatures[0]!.annotations, { team: 'core' });
    assert.equal(v.signatures[0]!.payload.critical.image['docker-manifest-digest'], image.digest);
    assert.deepEqual(v.signatures[1]!.annotations, { team: 'core' });

    const text = await runBerth(['verify', `app/web@${image.digest}`, '--key', `${keyA}.pub`], { env });
    ok(text, 'verify by digest');
    assert.match(text.stdout, /^Verified: 2 of 2 signature\(s\)/);
  });

  it('signing again with the same key and annotations adds nothing', async () => {
    const image = await pushImage(berth.url, 'app/idem', 'v1');
    ok(await runBerth(['sign', 'app/idem:v1', '--key', `${keyA}.key`], { env }), 'first sign');
    const again = await runBerth(['sign', 'app/idem:v1', '--key', `${keyA}.key`, '--json'], { env });
    ok(again, 'second sign');
    const out = jsonOf<SignJson>(again);
    assert.equal(out.tag?.isNew, false);
    assert.equal(out.referrer?.isNew, false);
    assert.equal((await getJson(berth.url, `/v2/app/idem/manifests/${sigTag(image.digest)}`)).layers.length, 1);
    assert.equal((await getJson(berth.url, `/v2/app/idem/referrers/${image.digest}`, OCI_INDEX)).manifests.length, 1);
  });

  it('an image signed by two keys keeps both signatures, and each key verifies its own', async () => {
    const image = await pushImage(berth.url, 'app/two', 'v1');
    ok(await runBerth(['sign', 'app/two:v1', '--key', `${keyA}.key`, '--mode', 'tag'], { env }), 'sign with alpha');
    // The second key was written by hand in cosign's format (test/fixtures/cosign), under another password.
    ok(await runBerth(['sign', 'app/two:v1', '--key', fixture('cosign-p256.key'), '--mode', 'tag'], { env: { ...env, BERTH_KEY_PASSWORD: FIXTURE_PASSWORD } }), 'sign with fixture key');
    const sig = await getJson(berth.url, `/v2/app/two/manifests/${sigTag(image.digest)}`);
    assert.equal(sig.layers.length, 2);
    for (const [pub, valid] of [[`${keyA}.pub`, [true, false]], [fixture('cosign-p256.pub'), [false, true]]] as const) {
      const run = await runBerth(['verify', 'app/two:v1', '--key', pub, '--json'], { env });
      ok(run, `verify with ${pub}`);
      const v = jsonOf<VerifyJson>(run);
      assert.deepEqual(v.signatures.map((s) => s.isVerified), valid);
      assert.match(v.signatures.find((s) => !s.isVerified)!.reason!, /does not verify with this key/);
    }
  });

  it('refuses a key that signed nothing here, naming the reason for each signature', async () => {
    await pushImage(berth.url, 'app/wrongkey', 'v1');
    ok(await runBerth(['sign', 'app/wrongkey:v1', '--key', `${keyA}.key`], { env }), 'sign');
    const run = await runBerth(['verify', 'app/wrongkey:v1', '--key', fixture('ed25519.pub'), '--json'], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no valid signature by .*ed25519\.pub/);
    const v = jsonOf<VerifyJson>(run);
    assert.equal(v.isVerified, false);
    assert.match(v.signatures[0]!.reason!, /does not verify with this key/);
    assert.match(v.signatures[1]!.reason!, /signed by another key \(key hint /);
    const unsigned = await pushImage(berth.url, 'app/unsigned', 'v1');
    const none = await runBerth(['verify', 'app/unsigned:v1', '--key', `${keyA}.pub`], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, new RegExp(`no signatures found for .*${unsigned.digest}`));
  });

  it('refuses a tampered payload and a signature made for another digest', async () => {
    const target = await pushImage(berth.url, 'app/tamper', 'target');
    const other = await pushImage(berth.url, 'app/tamper', 'other');
    const key = createPrivateKey(await readFile(fixture('ed25519.key'), 'utf8'));
    const pub = fixture('ed25519.pub');
    // A genuine signature of `other`, moved under `target`'s .sig tag: valid signature, wrong digest.
    const forOther = cosignPayload(`${host}/app/tamper`, other.digest);
    // A signature of `target` whose payload was edited after signing.
    const genuine = cosignPayload(`${host}/app/tamper`, target.digest);
    const edited = cosignPayload(`${host}/app/tamper`, target.digest, { approved: 'yes' });
    await pushCosignSigManifest(berth.url, 'app/tamper', target.digest, [
      { payload: forOther, signature: cosignSign(key, forOther) },
      { payload: edited, signature: cosignSign(key, genuine) },
    ]);
    // A cosign v3 bundle for `other`, pushed as a referrer of `target`.
    await pushCosignV3Referrer(berth.url, 'app/tamper', target, key, other.digest);
    const run = await runBerth(['verify', 'app/tamper:target', '--key', pub, '--json'], { env });
    assert.equal(run.code, 1, run.stderr);
    const reasons = jsonOf<VerifyJson>(run).signatures.map((s) => s.reason);
    assert.deepEqual(reasons.map((r) => r?.replace(/sha256:[0-9a-f]+/, 'DIGEST')), [
      'the payload is for another digest, DIGEST',
      'the signature does not verify with this key (made by another key, or the payload was altered after signing)',
      'the statement is for another digest, DIGEST',
    ]);
    assert.ok(reasons[0]!.includes(other.digest) && reasons[2]!.includes(other.digest));
  });

  it('a foreign cosign signature in the .sig manifest is kept when Berth signs, and verifies with its own key', async () => {
    const image = await pushImage(berth.url, 'app/foreign', 'v1');
    const rsa = createPrivateKey(await readFile(fixture('rsa.key'), 'utf8'));
    const payload = cosignPayload(`${host}/app/foreign`, image.digest, { signer: 'ci' });
    await pushCosignSigManifest(berth.url, 'app/foreign', image.digest, [{ payload, signature: cosignSign(rsa, payload) }]);
    const before = await getJson(berth.url, `/v2/app/foreign/manifests/${sigTag(image.digest)}`);
    ok(await runBerth(['sign', 'app/foreign:v1', '--key', `${keyA}.key`], { env }), 'sign');
    const after = await getJson(berth.url, `/v2/app/foreign/manifests/${sigTag(image.digest)}`);
    assert.equal(after.layers.length, 2);
    assert.deepEqual(after.layers[0], before.layers[0], 'the foreign layer is kept as it was');
    const foreign = await runBerth(['verify', 'app/foreign:v1', '--key', fixture('rsa.pub'), '--json'], { env });
    ok(foreign, 'verify the foreign (RSA) signature');
    const v = jsonOf<VerifyJson>(foreign);
    assert.deepEqual(v.signatures.map((s) => s.isVerified), [true, false, false]);
    assert.deepEqual(v.signatures[0]!.annotations, { signer: 'ci' });
    ok(await runBerth(['verify', 'app/foreign:v1', '--key', `${keyA}.pub`], { env }), 'verify berth signature');
  });

  it('verifies a cosign v3 bundle referrer made outside Berth', async () => {
    const image = await pushImage(berth.url, 'app/v3', 'v1');
    const key = independentDecrypt(await readFile(fixture('cosign-p256.key'), 'utf8'), FIXTURE_PASSWORD);
    await pushCosignV3Referrer(berth.url, 'app/v3', image, key);
    const run = await runBerth(['verify', 'app/v3:v1', '--key', fixture('cosign-p256.pub'), '--json'], { env });
    ok(run, 'verify');
    const v = jsonOf<VerifyJson>(run);
    assert.deepEqual(v.signatures.map((s) => [s.format, s.isVerified]), [['sigstore-bundle', true]]);
    assert.equal(v.signatures[0]!.payload.predicateType, SIGN_PREDICATE);
  });

  it('reads keys in every format: legacy cosign label, encrypted Ed25519, PKCS#1 RSA, PKCS#8 Ed25519', async () => {
    const image = await pushImage(berth.url, 'app/formats', 'v1');
    const keys: Array<[string, string]> = [
      ['cosign-legacy.key', 'cosign-legacy.pub'],
      ['ed25519-cosign.key', 'ed25519.pub'],
      ['rsa.key', 'rsa.pub'],
    ];
    const fixtureEnv = { ...env, BERTH_KEY_PASSWORD: FIXTURE_PASSWORD };
    for (const [key] of keys) ok(await runBerth(['sign', `app/formats@${image.digest}`, '--key', fixture(key), '--mode', 'tag'], { env: fixtureEnv }), `sign with ${key}`);
    // The unencrypted Ed25519 PKCS#8 key is the same key as ed25519-cosign.key: signing again adds nothing.
    const same = await runBerth(['sign', `app/formats@${image.digest}`, '--key', fixture('ed25519.key'), '--mode', 'tag', '--json'], { env });
    ok(same, 'sign with ed25519.key');
    assert.equal(jsonOf<SignJson>(same).tag?.isNew, false);
    for (const [, pub] of keys) {
      const v = jsonOf<VerifyJson>(await runBerth(['verify', 'app/formats:v1', '--key', fixture(pub), '--json'], { env }));
      assert.equal(v.signatures.filter((s) => s.isVerified).length, 1, pub);
    }
    const wrong = await runBerth(['sign', 'app/formats:v1', '--key', fixture('cosign-p256.key')], { env: { ...env, BERTH_KEY_PASSWORD: 'nope' } });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /wrong password/);
    const pubAsKey = await runBerth(['sign', 'app/formats:v1', '--key', fixture('rsa.pub')], { env });
    assert.equal(pubAsKey.code, 2);
    assert.match(pubAsKey.stderr, /expected a private key/);
  });

  it('checks the docker-reference unless --ignore-reference', async () => {
    const image = await pushImage(berth.url, 'app/ref', 'v1');
    const key = createPrivateKey(await readFile(fixture('ed25519.key'), 'utf8'));
    const payload = cosignPayload(`${host}/app/elsewhere:v1`, image.digest);
    await pushCosignSigManifest(berth.url, 'app/ref', image.digest, [{ payload, signature: cosignSign(key, payload) }]);
    const strict = await runBerth(['verify', 'app/ref:v1', '--key', fixture('ed25519.pub'), '--json'], { env });
    assert.equal(strict.code, 1);
    assert.match(jsonOf<VerifyJson>(strict).signatures[0]!.reason!, /docker-reference is .*app\/elsewhere:v1, not .*app\/ref/);
    ok(await runBerth(['verify', 'app/ref:v1', '--key', fixture('ed25519.pub'), '--ignore-reference'], { env }), 'ignore reference');
  });

  it('lists notation signatures as present but not verified', async () => {
    const image = await pushImage(berth.url, 'app/notary', 'v1');
    await pushBlob(berth.url, 'app/notary', '{}');
    const envelope = await pushBlob(berth.url, 'app/notary', 'jws-envelope');
    const notation = await put(berth.url, 'app/notary', undefined, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: NOTATION,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: 'application/jose+json', digest: envelope, size: 12 }],
      subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: Buffer.byteLength(image.manifest) },
    });
    ok(await runBerth(['sign', 'app/notary:v1', '--key', `${keyA}.key`, '--mode', 'referrers'], { env }), 'sign');
    const listed = await runBerth(['verify', 'app/notary:v1', '--list', '--json'], { env });
    ok(listed, 'list');
    const v = jsonOf<VerifyJson>(listed);
    const byFormat = Object.fromEntries(v.signatures.map((s) => [s.format, s]));
    assert.equal(byFormat.notation?.manifest, notation);
    assert.match(byFormat.notation!.reason!, /notation.*not verified/);
    assert.equal(byFormat['sigstore-bundle']?.isVerified, false);
    const checked = await runBerth(['verify', 'app/notary:v1', '--key', `${keyA}.pub`, '--list'], { env });
    ok(checked, 'list with key');
    assert.match(checked.stdout, /valid\s+sigstore-bundle/);
    assert.match(checked.stdout, /invalid\s+notation/);
  });

  it('exit codes: 2 usage, 3 unreachable, 5 image not found', async () => {
    const noKey = await runBerth(['verify', 'app/web:v1'], { env });
    assert.equal(noKey.code, 2);
    const badMode = await runBerth(['sign', 'app/web:v1', '--key', `${keyA}.key`, '--mode', 'sideways'], { env });
    assert.equal(badMode.code, 2);
    const missing = await runBerth(['verify', 'app/web:nope', '--key', `${keyA}.pub`], { env });
    assert.equal(missing.code, 5, missing.stderr);
    const missingSign = await runBerth(['sign', 'app/web:nope', '--key', `${keyA}.key`], { env });
    assert.equal(missingSign.code, 5, missingSign.stderr);
    const unreachable = await runBerth(['verify', '127.0.0.1:9/app/web:v1', '--key', `${keyA}.pub`], { env });
    assert.equal(unreachable.code, 3, unreachable.stderr);
  });
});

describe('berth sign / verify on registries without the referrers API or without access', () => {
  let reference: ReferenceRegistry;
  let secured: TestBerth;
  let work: string;
  let env: Record<string, string>;

  before(async () => {
    [reference, secured] = await Promise.all([startReferenceRegistry(), startTestBerth()]);
    work = await mkdtemp(join(tmpdir(), 'berth-sign-ref-'));
    env = { XDG_CONFIG_HOME: work, BERTH_KEY_PASSWORD: FIXTURE_PASSWORD };
  });
  after(async () => {
    await Promise.all([reference.stop(), secured.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  it('writes and reads the referrers tag-schema fallback index on Distribution 2.8', async () => {
    const image = await pushImage(reference.url, 'lib/app', 'v1');
    const run = await runBerth(['sign', `${reference.host}/lib/app:v1`, '--key', fixture('cosign-p256.key'), '--json'], { env });
    ok(run, 'sign');
    const out = jsonOf<SignJson>(run);
    assert.equal(out.referrer?.isFallback, true);
    const index = await getJson(reference.url, `/v2/lib/app/manifests/${image.digest.replace(':', '-')}`, OCI_INDEX);
    assert.deepEqual(index.manifests.map((d: { digest: string; artifactType: string }) => [d.digest, d.artifactType]), [[out.referrer?.manifest, BUNDLE]]);
    const verified = await runBerth(['verify', `${reference.host}/lib/app:v1`, '--key', fixture('cosign-p256.pub'), '--json'], { env });
    ok(verified, 'verify');
    assert.deepEqual(jsonOf<VerifyJson>(verified).signatures.map((s) => [s.source, s.isVerified]), [['tag', true], ['referrer', true]]);
  });

  it('exit 4 when the registry denies access', async () => {
    const denied = await runBerth(['sign', 'lib/app:v1', '--key', fixture('cosign-p256.key')], { env: { ...env, BERTH_SERVER: secured.url } });
    assert.equal(denied.code, 4, denied.stderr);
    const deniedVerify = await runBerth(['verify', 'lib/app:v1', '--key', fixture('cosign-p256.pub')], { env: { ...env, BERTH_SERVER: secured.url } });
    assert.equal(deniedVerify.code, 4, deniedVerify.stderr);
  });
});

