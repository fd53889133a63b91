import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { pushImage } from '../helpers/oci-client.ts';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.ts';
import { pushIndex, type PushedIndex } from './images.ts';
import { jsonOf, runBerth } from './run-berth.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Big enough that a copy that buffered or truncated a layer would show it. */
const BIG_LAYER_BYTES = 3 * 1024 * 1024 + 17;

interface CopyJson {
  source: string;
  destination: string;
  digest: string;
  mediaType: string;
  manifests: number;
  blobs: { copied: number; mounted: number; skipped: number };
  bytesCopied: number;
}

async function manifestBytes(base: string, repo: string, ref: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${ref}`, { headers: { accept: `${OCI_INDEX}, application/vnd.oci.image.manifest.v1+json` } });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

async function blobSha256(base: string, repo: string, digest: string): Promise<string> {
  const res = await fetch(`${base}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200, `blob ${digest} in ${repo}`);
  return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`;
}

describe('berth copy', () => {
  let berth: TestBerth;
  let reference: ReferenceRegistry;
  let configHome: string;
  let env: Record<string, string>;
  let index: PushedIndex;

  before(async () => {
    [berth, reference] = await Promise.all([startTestBerth({}, { open: true }), startReferenceRegistry()]);
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: configHome };
    index = await pushIndex(berth.url, 'src/multi', 'v1', BIG_LAYER_BYTES);
  });
  after(async () => {
    await Promise.all([berth.stop(), reference.stop()]);
    await rm(configHome, { recursive: true, force: true });
  });

  it('copies a multi-arch index to another registry with every child, bytes and digests unchanged', async () => {
    const run = await runBerth(['copy', 'src/multi:v1', `${reference.host}/mirror/multi:v1`, '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf<CopyJson>(run);
    assert.equal(out.digest, index.digest);
    assert.equal(out.mediaType, OCI_INDEX);
    assert.equal(out.manifests, 3);
    // Two configs, two platform layers and one layer both images share (copied once).
    assert.deepEqual(out.blobs, { copied: 5, mounted: 0, skipped: 0 });
    assert.ok(out.bytesCopied > 2 * BIG_LAYER_BYTES, `bytesCopied ${out.bytesCopied}`);
    assert.equal(run.stderr, '', 'no progress output when stderr is not a terminal');

    const top = await manifestBytes(reference.url, 'mirror/multi', 'v1');
    assert.equal(top.status, 200);
    assert.equal(top.text, index.manifest);
    for (const image of index.images) {
      const child = await manifestBytes(reference.url, 'mirror/multi', image.digest);
      assert.equal(child.text, image.manifest);
      for (const layer of image.layers) assert.equal(await blobSha256(reference.url, 'mirror/multi', layer), layer);
    }
  });

  it('skips the blobs the destination already has', async () => {
    const run = await runBerth(['copy', `src/multi@${index.digest}`, `${reference.host}/mirror/multi:again`, '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf<CopyJson>(run);
    assert.deepEqual(out.blobs, { copied: 0, mounted: 0, skipped: 5 });
    assert.equal(out.bytesCopied, 0);
    assert.equal((await manifestBytes(reference.url, 'mirror/multi', 'again')).text, index.manifest);
  });

  it('copies back from the other registry into Berth', async () => {
    const run = await runBerth(['copy', `${reference.host}/mirror/multi:v1`, 'back/multi:v1', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(jsonOf<CopyJson>(run).digest, index.digest);
    const top = await manifestBytes(berth.url, 'back/multi', 'v1');
    assert.equal(top.text, index.manifest);
    assert.equal(top.type, OCI_INDEX);
    const big = index.images[0]!.layers[0]!;
    assert.equal(await blobSha256(berth.url, 'back/multi', big), big);
  });

  it('mounts blobs across repositories of the same registry instead of moving bytes', async () => {
    const image = await pushImage(berth.url, 'src/single', 'v1', ['one', 'two']);
    const run = await runBerth(['copy', 'src/single:v1', 'dst/single:copied', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf<CopyJson>(run);
    assert.deepEqual(out.blobs, { copied: 0, mounted: 3, skipped: 0 });
    assert.equal(out.destination, `${new URL(berth.url).host}/dst/single:copied`);
    assert.equal((await manifestBytes(berth.url, 'dst/single', 'copied')).text, image.manifest);
    assert.equal(await blobSha256(berth.url, 'dst/single', image.layers[1]!), image.layers[1]);
  });

  it('shows progress when run on a terminal', async () => {
    const image = await pushImage(berth.url, 'src/tty', 'v1', ['terminal layer']);
    const run = await runBerth(['copy', 'src/tty:v1', `${reference.host}/mirror/tty:v1`], { env, isTerminal: true });
    assert.equal(run.code, 0, run.stdout);
    for (const layer of image.layers) assert.match(run.stdout, new RegExp(`blob ${layer.slice(7, 19)}  14 B / 14 B  done`));
    assert.match(run.stdout, new RegExp(`manifest ${image.digest.slice(7, 19)}  pushed`));
    assert.match(run.stdout, /Copied .*src\/tty:v1 to .*mirror\/tty:v1/);
  });

  it('exits 5 when the source does not exist, and pushes nothing', async () => {
    const run = await runBerth(['copy', 'src/single:nope', 'dst/none:v1', '--json'], { env });
    assert.equal(run.code, 5);
    assert.match(run.stderr, /MANIFEST_UNKNOWN/);
    assert.equal((await manifestBytes(berth.url, 'dst/none', 'v1')).status, 404);
  });
});
