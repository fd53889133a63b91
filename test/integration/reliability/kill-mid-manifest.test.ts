import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startBerthProcess, type BerthProcess } from '../../helpers/berth-process.ts';
import { pushBlob, sha256 } from '../../helpers/oci-client.ts';
import { streamedRequest } from './raw-http.ts';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

interface Descriptor {
  digest: string;
  size: number;
}

function manifestOf(config: Descriptor, layers: Descriptor[], note: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
    annotations: { note },
  });
}

async function pushDescriptor(base: string, repo: string, content: string): Promise<Descriptor> {
  return { digest: await pushBlob(base, repo, content), size: Buffer.byteLength(content) };
}

async function putManifest(base: string, repo: string, ref: string, body: string): Promise<Response> {
  return fetch(`${base}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body, headers: { 'content-type': MANIFEST_TYPE } });
}

/**
 * For every tag of `repo`: the manifest is served, and every blob it names is served with matching bytes. This
 * is the invariant a crash must never break: no manifest refers to a blob the registry cannot serve.
 */
async function assertEveryTagComplete(base: string, repo: string): Promise<string[]> {
  const list = await fetch(`${base}/v2/${repo}/tags/list`);
  assert.equal(list.status, 200);
  const { tags } = (await list.json()) as { tags: string[] | null };
  for (const tag of tags ?? []) {
    const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPE } });
    assert.equal(res.status, 200, `tag ${tag} is listed but its manifest is not served`);
    const manifest = JSON.parse(await res.text()) as { config: Descriptor; layers: Descriptor[] };
    for (const d of [manifest.config, ...manifest.layers]) {
      const head = await fetch(`${base}/v2/${repo}/blobs/${d.digest}`, { method: 'HEAD' });
      assert.equal(head.status, 200, `tag ${tag} references ${d.digest}, which HEAD does not find`);
      const blob = Buffer.from(await (await fetch(`${base}/v2/${repo}/blobs/${d.digest}`)).arrayBuffer());
      assert.equal(sha256(blob), d.digest, `blob ${d.digest} of tag ${tag} is damaged`);
    }
  }
  return tags ?? [];
}

describe('kill -9 in the middle of manifest pushes', { timeout: 600_000 }, () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerthProcess();
  });
  after(() => berth.stop());

  it('after a kill at a random moment of a push loop, every tag is whole and every acknowledged push survived', async () => {
    const repo = 'crash/loop';
    const config = await pushDescriptor(berth.url, repo, JSON.stringify({ architecture: 'amd64', os: 'linux' }));
    const base = await pushDescriptor(berth.url, repo, 'shared base layer');
    const acknowledged: { tag: string; digest: string; body: string }[] = [];
    const killAfter = randomInt(4, 25);
    let next = 0;
    let isKilled = false;

    // Each worker pushes a fresh layer and then a manifest using it, like a CI job pushing images in a loop.
    const worker = async () => {
      while (!isKilled) {
        const n = next++;
        try {
          const layer = await pushDescriptor(berth.url, repo, `layer ${n} ${'x'.repeat(n * 37)}`);
          const body = manifestOf(config, [base, layer], `push ${n}`);
          const res = await putManifest(berth.url, repo, `t${n}`, body);
          await res.arrayBuffer();
          assert.equal(res.status, 201, `push ${n}`);
          acknowledged.push({ tag: `t${n}`, digest: res.headers.get('docker-content-digest')!, body });
          if (acknowledged.length >= killAfter && !isKilled) {
            isKilled = true;
            await berth.kill('SIGKILL');
          }
        } catch (err) {
          if (!isKilled) throw err;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await berth.restart();

    const tags = await assertEveryTagComplete(berth.url, repo);
    for (const pushed of acknowledged) {
      assert.ok(tags.includes(pushed.tag), `acknowledged tag ${pushed.tag} was lost in the crash`);
      const res = await fetch(`${berth.url}/v2/${repo}/manifests/${pushed.digest}`, { headers: { accept: MANIFEST_TYPE } });
      assert.equal(res.status, 200, `acknowledged manifest ${pushed.digest} was lost in the crash`);
      assert.equal(await res.text(), pushed.body);
    }

    // Redo every push that was cut off: a client retrying after the crash must succeed.
    for (let n = 0; n < next; n++) {
      if (acknowledged.some((a) => a.tag === `t${n}`)) continue;
      const layer = await pushDescriptor(berth.url, repo, `layer ${n} ${'x'.repeat(n * 37)}`);
      const res = await putManifest(berth.url, repo, `t${n}`, manifestOf(config, [base, layer], `push ${n}`));
      assert.equal(res.status, 201, `redo of push ${n}: ${await res.text()}`);
    }
    assert.equal((await assertEveryTagComplete(berth.url, repo)).length, next);
  });

  it('a manifest body cut by SIGKILL is not stored, and the push can be redone', async () => {
    const repo = 'crash/slow-manifest';
    const config = await pushDescriptor(berth.url, repo, JSON.stringify({ architecture: 'arm64', os: 'linux' }));
    const layers: Descriptor[] = [];
    for (let i = 0; i < 3; i++) layers.push(await pushDescriptor(berth.url, repo, `slow layer ${i}`));
    const body = Buffer.from(manifestOf(config, layers, 'slow '.repeat(2000)));
    const digest = sha256(body);

    const req = streamedRequest(berth.url, 'PUT', `/v2/${repo}/manifests/slow`, { 'content-type': MANIFEST_TYPE, 'content-length': body.length });
    await req.write(body.subarray(0, Math.floor(body.length / 2)));
    await berth.kill('SIGKILL');
    assert.equal((await req.outcome).kind, 'error');
    await berth.restart();

    for (const ref of ['slow', digest]) {
      const res = await fetch(`${berth.url}/v2/${repo}/manifests/${ref}`, { headers: { accept: MANIFEST_TYPE } });
      assert.equal(res.status, 404, `${ref} must not exist after a cut push`);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MANIFEST_UNKNOWN');
    }
    const redo = await putManifest(berth.url, repo, 'slow', body.toString('utf8'));
    assert.equal(redo.status, 201, await redo.text());
    assert.equal(redo.headers.get('docker-content-digest'), digest);
    const pulled = await fetch(`${berth.url}/v2/${repo}/manifests/slow`, { headers: { accept: MANIFEST_TYPE } });
    assert.equal(Buffer.compare(Buffer.from(await pulled.arrayBuffer()), body), 0);
    await assertEveryTagComplete(berth.url, repo);
  });
});
