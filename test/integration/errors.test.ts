import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { expectOciError, OCI_MANIFEST, pushImage, rawExchange, rawRequest } from '../helpers/oci-client.ts';

/** Every path below `dir`, relative, sorted: to prove a request created nothing. */
async function tree(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true })) as string[]).sort();
}

/** An OCI error envelope read from a raw response. */
function envelopeCode(body: Buffer): string {
  return (JSON.parse(body.toString('utf8')) as { errors: Array<{ code: string }> }).errors[0]!.code;
}

describe('/v2 base, routing and input validation', () => {
  let berth: TestBerth;
  let outerDir: string;
  before(async () => {
    // The data dir sits alone inside `outerDir`, so anything a bad name wrote beside it would show up there.
    outerDir = await mkdtemp(join(tmpdir(), 'berth-errors-'));
    berth = await startTestBerth({}, { dataDir: join(outerDir, 'data'), open: true });
    await pushImage(berth.url, 'ok/app', 'v1');
  });
  after(async () => {
    await berth.stop();
    await rm(outerDir, { recursive: true, force: true });
  });

  describe('base endpoint', () => {
    for (const path of ['/v2/', '/v2']) {
      it(`GET ${path} answers 200 {} with Docker-Distribution-API-Version`, async () => {
        const res = await fetch(`${berth.url}${path}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        assert.deepEqual(await res.json(), {});
      });
    }

    it('HEAD /v2/ answers 200 without a body', async () => {
      const res = await rawRequest(berth.url, { method: 'HEAD', path: '/v2/' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
      assert.equal(res.body.length, 0);
    });

    it('POST /v2/ is 405 UNSUPPORTED with Allow: GET, HEAD', async () => {
      const res = await fetch(`${berth.url}/v2/`, { method: 'POST' });
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      await expectOciError(res, 405, 'UNSUPPORTED');
    });
  });

  describe('routing', () => {
    for (const path of ['/v2/ok/app/nonsense', '/v2/ok/app/blobs', '/v2/ok/app/manifests/', '/v2/ok/app/tags', '/v2/_catalog/extra']) {
      it(`unknown path ${path} is 404 with the OCI envelope`, async () => {
        await expectOciError(await fetch(`${berth.url}${path}`), 404, 'UNSUPPORTED');
      });
    }

    it('a path outside /v2 is 404 with a problem body saying so, not an internal error', async () => {
      const res = await fetch(`${berth.url}/no/such/page`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await res.json()) as { status: number; code: string };
      assert.equal(body.status, 404);
      assert.equal(body.code, 'NOT_FOUND');
    });

    const wrongMethods: Array<[string, string, string]> = [
      ['PATCH', '/v2/ok/app/manifests/v1', 'GET, HEAD, PUT, DELETE'],
      ['POST', '/v2/ok/app/manifests/v1', 'GET, HEAD, PUT, DELETE'],
      ['PUT', `/v2/ok/app/blobs/sha256:${'a'.repeat(64)}`, 'GET, HEAD, DELETE'],
      ['DELETE', '/v2/ok/app/tags/list', 'GET'],
      ['POST', '/v2/_catalog', 'GET'],
      ['GET', '/v2/ok/app/blobs/uploads/', 'POST'],
      ['POST', '/v2/ok/app/blobs/uploads/0f0e0d0c-0b0a-4908-8706-050403020100', 'GET, PUT, PATCH, DELETE'],
      ['DELETE', `/v2/ok/app/referrers/sha256:${'a'.repeat(64)}`, 'GET'],
      ['OPTIONS', '/v2/ok/app/manifests/v1', 'GET, HEAD, PUT, DELETE'],
      ['OPTIONS', '/v2/', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of wrongMethods) {
      it(`${method} ${path.replace(/[0-9a-f]{64}/, '<hex>')} is 405 UNSUPPORTED with Allow: ${allow}`, async () => {
        const res = await fetch(`${berth.url}${path}`, { method });
        assert.equal(res.headers.get('allow'), allow);
        await expectOciError(res, 405, 'UNSUPPORTED');
      });
    }
  });

  describe('repository names', () => {
    const longName = 'a'.repeat(256);
    const badNames: Array<[string, string]> = [
      ['uppercase', 'Ok/App'],
      ['dot-dot component', 'ok/../../escape'],
      ['leading dot-dot', '../escape'],
      ['empty component', 'a//b'],
      ['percent-encoded dots', '%2e%2e/escape'],
      ['encoded slash', 'a%2Fb'],
      ['encoded dot-dot slash', 'ok%2F..%2F..%2Fescape'],
      ['trailing separator', 'ok-'],
      ['256 characters', longName],
      ['256 characters over components', `${'a'.repeat(127)}/${'b'.repeat(128)}`],
    ];
    for (const [label, name] of badNames) {
      it(`${label} (${name.slice(0, 30)}) is 400 NAME_INVALID on every endpoint and writes nothing`, async () => {
        const outerBefore = await tree(outerDir);
        const requests: Array<{ method: string; path: string; body?: string; headers?: Record<string, string> }> = [
          { method: 'POST', path: `/v2/${name}/blobs/uploads/` },
          { method: 'POST', path: `/v2/${name}/blobs/uploads/?digest=sha256:${'0'.repeat(64)}`, body: 'x' },
          { method: 'PUT', path: `/v2/${name}/manifests/v1`, body: '{}', headers: { 'content-type': OCI_MANIFEST } },
          { method: 'GET', path: `/v2/${name}/manifests/v1` },
          { method: 'GET', path: `/v2/${name}/tags/list` },
          { method: 'GET', path: `/v2/${name}/blobs/sha256:${'0'.repeat(64)}` },
        ];
        for (const r of requests) {
          const res = await rawRequest(berth.url, r);
          assert.equal(res.status, 400, `${r.method} ${r.path}: ${res.body.toString()}`);
          assert.equal(envelopeCode(res.body), 'NAME_INVALID', `${r.method} ${r.path}`);
        }
        assert.deepEqual(await tree(outerDir), outerBefore);
        const catalog = (await (await fetch(`${berth.url}/v2/_catalog`)).json()) as { repositories: string[] };
        assert.deepEqual(catalog.repositories, ['ok/app']);
      });
    }

    it('a name of exactly 255 characters is accepted', async () => {
      const name = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
      assert.equal(name.length, 255);
      const res = await fetch(`${berth.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
      assert.equal(res.status, 202);
      await fetch(new URL(res.headers.get('location')!, berth.url), { method: 'DELETE' });
    });
  });

  describe('tags and digests', () => {
    for (const tag of ['-leading-dash', '.leading-dot', 't'.repeat(129), 'with%20space', 'with+plus']) {
      it(`tag ${tag.slice(0, 20)} is 400 TAG_INVALID`, async () => {
        const put = await fetch(`${berth.url}/v2/ok/app/manifests/${tag}`, { method: 'PUT', body: '{}', headers: { 'content-type': OCI_MANIFEST } });
        await expectOciError(put, 400, 'TAG_INVALID');
        await expectOciError(await fetch(`${berth.url}/v2/ok/app/manifests/${tag}`), 400, 'TAG_INVALID');
      });
    }

    it('a 128-character tag is valid (an unknown one is MANIFEST_UNKNOWN, not TAG_INVALID)', async () => {
      await expectOciError(await fetch(`${berth.url}/v2/ok/app/manifests/${'t'.repeat(128)}`), 404, 'MANIFEST_UNKNOWN');
    });

    const badDigests = ['sha256:abc', `sha256:${'A'.repeat(64)}`, `md5:${'a'.repeat(32)}`, `sha512:${'a'.repeat(64)}`, 'notadigest', `sha256:${'g'.repeat(64)}`];
    for (const digest of badDigests) {
      it(`digest ${digest.slice(0, 20)} is 400 DIGEST_INVALID on blobs${digest.includes(':') ? ' and manifests' : ''}`, async () => {
        await expectOciError(await fetch(`${berth.url}/v2/ok/app/blobs/${digest}`), 400, 'DIGEST_INVALID');
        await expectOciError(await fetch(`${berth.url}/v2/ok/app/blobs/${digest}`, { method: 'DELETE' }), 400, 'DIGEST_INVALID');
        // A reference without ':' is a tag, so only digest-shaped ones reach digest validation.
        if (digest.includes(':')) await expectOciError(await fetch(`${berth.url}/v2/ok/app/manifests/${digest}`), 400, 'DIGEST_INVALID');
      });
    }

    it('a percent-encoded digest in the path is understood', async () => {
      const res = await fetch(`${berth.url}/v2/ok/app/manifests/v1`);
      const digest = res.headers.get('docker-content-digest')!;
      const byEncoded = await fetch(`${berth.url}/v2/ok/app/manifests/${encodeURIComponent(digest)}`);
      assert.equal(byEncoded.status, 200);
      assert.equal(byEncoded.headers.get('docker-content-digest'), digest);
    });
  });

  describe('malformed requests', () => {
    it('a 64 KiB header is refused with 431 and the server serves the next request', async () => {
      const request = `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Huge: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
      const response = await rawExchange(berth.url, request);
      assert.match(response, /^HTTP\/1\.1 431 /);
      const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { errors: Array<{ code: string }> };
      assert.equal(body.errors[0]!.code, 'SIZE_INVALID');
      const next = await fetch(`${berth.url}/v2/ok/app/tags/list`);
      assert.equal(next.status, 200);
      assert.deepEqual(await next.json(), { name: 'ok/app', tags: ['v1'] });
    });

    it('a broken request line is 400 and the server serves the next request', async () => {
      const response = await rawExchange(berth.url, 'NOT HTTP AT ALL\r\n\r\n');
      assert.match(response, /^HTTP\/1\.1 400 /);
      assert.equal((await fetch(`${berth.url}/v2/`)).status, 200);
    });

    it('a Content-Length that disagrees with chunked framing is 400 and the server carries on', async () => {
      const request = 'POST /v2/ok/app/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
      const response = await rawExchange(berth.url, request);
      assert.match(response, /^HTTP\/1\.1 400 /);
      assert.equal((await fetch(`${berth.url}/v2/`)).status, 200);
    });
  });
});
