import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { expectOciError, OCI_INDEX, OCI_MANIFEST, pushDescriptor, pushImage, putManifest, sha256, sha512, type Descriptor } from '../helpers/oci-client.ts';

const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const SBOM = 'application/vnd.example.sbom.v1';
const SIG = 'application/vnd.example.signature.v1';
const REPO = 'ref/app';

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

const byDigest = (a: Descriptor, b: Descriptor) => a.digest.localeCompare(b.digest);

describe('referrers API', () => {
  let berth: TestBerth;
  let subject: Descriptor;

  /** Pushes an artifact manifest (by digest) and returns the descriptor the referrers API should list for it. */
  async function pushArtifact(opts: { subject?: Descriptor; artifactType?: string; annotations?: Record<string, string>; payload: string; repo?: string; config?: Descriptor }): Promise<{ descriptor: Descriptor; response: Response }> {
    const repo = opts.repo ?? REPO;
    const layer = await pushDescriptor(berth.url, repo, opts.payload, 'application/vnd.example.payload');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
      config: opts.config ?? EMPTY,
      layers: [layer],
      ...(opts.subject ? { subject: { mediaType: opts.subject.mediaType, digest: opts.subject.digest, size: opts.subject.size } } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    });
    const response = await putManifest(berth.url, repo, sha256(manifest), manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
    const artifactType = opts.artifactType ?? (opts.config ?? EMPTY).mediaType;
    return {
      response,
      descriptor: { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: Buffer.byteLength(manifest), artifactType, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    };
  }

  async function referrers(digest: string, query = '', repo = REPO): Promise<{ res: Response; index: ReferrersIndex }> {
    const res = await fetch(`${berth.url}/v2/${repo}/referrers/${digest}${query}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), OCI_INDEX);
    const index = (await res.json()) as ReferrersIndex;
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.mediaType, OCI_INDEX);
    return { res, index };
  }

  let sbom: Descriptor;
  let sig: Descriptor;
  let imageReferrer: Descriptor;

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    const image = await pushImage(berth.url, REPO, 'v1');
    subject = { mediaType: OCI_MANIFEST, digest: image.digest, size: Buffer.byteLength(image.manifest) };
    const pushed = await pushArtifact({ subject, artifactType: SBOM, annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'com.example.kind': 'sbom' }, payload: 'sbom' });
    sbom = pushed.descriptor;
    sig = (await pushArtifact({ subject, artifactType: SIG, annotations: { 'com.example.kind': 'sig' }, payload: 'sig' })).descriptor;
    // No artifactType field: the referrers API reports the config's media type instead.
    const config = await pushDescriptor(berth.url, REPO, '{"kind":"custom"}', 'application/vnd.example.config.v1+json');
    imageReferrer = (await pushArtifact({ subject, config, payload: 'image-like referrer' })).descriptor;
  });
  after(() => berth.stop());

  it('a manifest pushed with a subject answers 201 with OCI-Subject', async () => {
    const { response } = await pushArtifact({ subject, artifactType: SBOM, payload: 'another sbom', repo: 'ref/header' });
    assert.equal(response.headers.get('oci-subject'), subject.digest);
  });

  it('lists the referrers as an OCI index whose descriptors carry artifactType and annotations', async () => {
    const { res, index } = await referrers(subject.digest);
    assert.equal(res.headers.get('oci-filters-applied'), null);
    assert.deepEqual([...index.manifests].sort(byDigest), [sbom, sig, imageReferrer].sort(byDigest));
  });

  it('filters by artifactType and says so with OCI-Filters-Applied', async () => {
    const { res, index } = await referrers(subject.digest, `?artifactType=${encodeURIComponent(SBOM)}`);
    assert.equal(res.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(index.manifests, [sbom]);
    const none = await referrers(subject.digest, '?artifactType=application/vnd.example.none');
    assert.equal(none.res.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(none.index.manifests, []);
  });

  it('an unknown subject answers 200 with an empty index, also in an unknown repository', async () => {
    assert.deepEqual((await referrers(sha256('no such subject'))).index.manifests, []);
    assert.deepEqual((await referrers(subject.digest, '', 'ref/nowhere')).index.manifests, []);
  });

  it('referrers of another repository are not listed', async () => {
    await pushImage(berth.url, 'ref/other', 'v1');
    assert.deepEqual((await referrers(subject.digest, '', 'ref/other')).index.manifests, []);
  });

  it('a subject that does not exist yet is accepted on push and its referrers are listed', async () => {
    const future = { mediaType: OCI_MANIFEST, digest: sha256('pushed later'), size: 12 };
    const { descriptor, response } = await pushArtifact({ subject: future, artifactType: SIG, payload: 'early signature' });
    assert.equal(response.headers.get('oci-subject'), future.digest);
    assert.deepEqual((await referrers(future.digest)).index.manifests, [descriptor]);
  });

  it('an index can be a referrer too', async () => {
    const target = { mediaType: OCI_MANIFEST, digest: sha256('index subject'), size: 13 };
    const child = await pushArtifact({ artifactType: SBOM, payload: 'child of an index referrer' });
    const bytes = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, artifactType: 'application/vnd.example.bundle', manifests: [{ mediaType: OCI_MANIFEST, digest: child.descriptor.digest, size: child.descriptor.size }], subject: target, annotations: { bundle: 'yes' } });
    const res = await putManifest(berth.url, REPO, 'bundle', bytes, OCI_INDEX);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('oci-subject'), target.digest);
    assert.deepEqual((await referrers(target.digest)).index.manifests, [
      { mediaType: OCI_INDEX, digest: sha256(bytes), size: Buffer.byteLength(bytes), artifactType: 'application/vnd.example.bundle', annotations: { bundle: 'yes' } },
    ]);
  });

  it('a deleted referrer is no longer listed', async () => {
    const target = { mediaType: OCI_MANIFEST, digest: sha256('deleting subject'), size: 16 };
    const { descriptor } = await pushArtifact({ subject: target, artifactType: SBOM, payload: 'short-lived' });
    assert.equal((await referrers(target.digest)).index.manifests.length, 1);
    assert.equal((await fetch(`${berth.url}/v2/${REPO}/manifests/${descriptor.digest}`, { method: 'DELETE' })).status, 202);
    assert.deepEqual((await referrers(target.digest)).index.manifests, []);
  });

  it('merges the tag-schema fallback index (sha256-<hex>) into the response', async () => {
    const target = { mediaType: OCI_MANIFEST, digest: sha256('fallback subject'), size: 16 };
    // A client without referrers support pushes the artifact without `subject` and maintains the fallback tag.
    const legacy = (await pushArtifact({ artifactType: SIG, annotations: { via: 'fallback' }, payload: 'legacy signature' })).descriptor;
    const modern = (await pushArtifact({ subject: target, artifactType: SBOM, payload: 'modern sbom' })).descriptor;
    const fallback = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [legacy, modern] });
    const tag = `sha256-${target.digest.slice('sha256:'.length)}`;
    assert.equal((await putManifest(berth.url, REPO, tag, fallback, OCI_INDEX)).status, 201);

    const all = await referrers(target.digest);
    assert.deepEqual([...all.index.manifests].sort(byDigest), [legacy, modern].sort(byDigest), 'each referrer once');
    const filtered = await referrers(target.digest, `?artifactType=${encodeURIComponent(SIG)}`);
    assert.deepEqual(filtered.index.manifests, [legacy]);
    assert.equal(filtered.res.headers.get('oci-filters-applied'), 'artifactType');
  });

  it('the fallback tag of a sha512 subject is sha512- and the first 64 hex digits, as the spec truncates it', async () => {
    const target = { mediaType: OCI_MANIFEST, digest: sha512('sha512 subject'), size: 14 };
    const legacy = (await pushArtifact({ artifactType: SIG, annotations: { via: 'sha512 fallback' }, payload: 'sha512 legacy signature' })).descriptor;
    const fallback = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [legacy] });
    const tag = `sha512-${target.digest.slice('sha512:'.length, 'sha512:'.length + 64)}`;
    assert.equal((await putManifest(berth.url, REPO, tag, fallback, OCI_INDEX)).status, 201);
    assert.deepEqual((await referrers(target.digest)).index.manifests, [legacy]);
  });

  for (const bad of ['sha256:abc', 'latest', `sha256:${'Z'.repeat(64)}`]) {
    it(`an invalid digest (${bad.slice(0, 12)}) is 400 DIGEST_INVALID`, async () => {
      await expectOciError(await fetch(`${berth.url}/v2/${REPO}/referrers/${bad}`), 400, 'DIGEST_INVALID');
    });
  }
});
