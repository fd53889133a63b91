import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { sha256 } from '../helpers/oci-client.ts';
import { basic, expectProblem, expectStatus, startApiFixture, type ApiFixture, type Caller } from './api-client.ts';

const ADMIN = basic('admin', TEST_ADMIN_PASSWORD);
const BASE = 'b'.repeat(1000);

interface Pushed {
  digest: string;
  configBytes: number;
}

async function pushBlob(base: string, repo: string, bytes: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${sha256(bytes)}`, {
    method: 'POST', body: bytes, headers: { authorization: ADMIN, 'content-type': 'application/octet-stream' },
  });
  assert.equal(res.status, 201, `blob into ${repo}: ${res.status} ${await res.text()}`);
}

/** Pushes an image of `layers` (strings, bottom first) with the admin's credentials; returns its digest and config size. */
async function pushImage(base: string, repo: string, tag: string, layers: string[]): Promise<Pushed> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, repo, tag });
  for (const blob of [config, ...layers]) await pushBlob(base, repo, blob);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(l), size: l.length })),
  });
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { authorization: ADMIN, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 201, `manifest ${repo}:${tag}: ${res.status} ${await res.text()}`);
  return { digest: sha256(manifest), configBytes: config.length };
}

const ratio = (logical: number, physical: number) => Math.round((logical / physical) * 1000) / 1000;

describe('REST API: storage report', { timeout: 180_000 }, () => {
  let f: ApiFixture;
  let dev: Caller;
  let outsider: Caller;
  let web: Pushed;
  let web2: Pushed;
  let api: Pushed;
  let tool: Pushed;

  before(async () => {
    f = await startApiFixture();
    dev = await f.user('dev');
    outsider = await f.user('outsider');
    await f.project('alpha');
    await f.project('beta');
    await f.grant('alpha', 'dev', 'developer');
    // One base layer under three images in three repositories; alpha/web holds two images sharing it.
    web = await pushImage(f.berth.url, 'alpha/web', 'v1', [BASE, 'w'.repeat(200)]);
    web2 = await pushImage(f.berth.url, 'alpha/web', 'v2', [BASE, 'W'.repeat(250)]);
    api = await pushImage(f.berth.url, 'alpha/api', 'v1', [BASE, 'a'.repeat(300)]);
    tool = await pushImage(f.berth.url, 'beta/tool', 'latest', [BASE, 't'.repeat(400)]);
  });
  after(() => f?.stop());

  // The figures every view of these repositories must agree on.
  const webFigures = () => {
    const logical = web.configBytes + 1200 + web2.configBytes + 1250;
    const physical = web.configBytes + web2.configBytes + 1000 + 200 + 250;
    return { name: 'alpha/web', project: 'alpha', manifests: 2, tags: 2, blobs: 5, logicalBytes: logical, physicalBytes: physical, uniqueBytes: physical - 1000, dedupRatio: ratio(logical, physical) };
  };
  const apiFigures = () => {
    const size = api.configBytes + 1300;
    return { name: 'alpha/api', project: 'alpha', manifests: 1, tags: 1, blobs: 3, logicalBytes: size, physicalBytes: size, uniqueBytes: size - 1000, dedupRatio: 1 };
  };
  const toolFigures = () => {
    const size = tool.configBytes + 1400;
    return { name: 'beta/tool', project: 'beta', manifests: 1, tags: 1, blobs: 3, logicalBytes: size, physicalBytes: size, uniqueBytes: size - 1000, dedupRatio: 1 };
  };

  it('admins see every repository with exact logical, physical and unique bytes, and registry totals', async () => {
    const res = await f.admin('GET', '/storage');
    expectStatus(res, 200);
    const [w, a, t] = [webFigures(), apiFigures(), toolFigures()];
    assert.deepEqual(res.body.repositories, [a, w, t]);

    const alphaPhysical = w.physicalBytes + a.physicalBytes - 1000;
    const alphaLogical = w.logicalBytes + a.logicalBytes;
    assert.deepEqual(res.body.projects, [
      // The base layer is also in beta: it is not alpha's alone.
      { name: 'alpha', repositories: 2, blobs: 7, logicalBytes: alphaLogical, physicalBytes: alphaPhysical, uniqueBytes: alphaPhysical - 1000, dedupRatio: ratio(alphaLogical, alphaPhysical) },
      { name: 'beta', repositories: 1, blobs: 3, logicalBytes: t.logicalBytes, physicalBytes: t.physicalBytes, uniqueBytes: t.uniqueBytes, dedupRatio: 1 },
    ]);
    const logical = alphaLogical + t.logicalBytes;
    const physical = alphaPhysical + t.physicalBytes - 1000;
    assert.deepEqual(res.body.totals, { projects: 2, repositories: 3, manifests: 4, blobs: 9, logicalBytes: logical, physicalBytes: physical, uniqueBytes: physical, dedupRatio: ratio(logical, physical) });
    assert.ok(res.body.totals.dedupRatio > 1.5, 'four images over one shared base deduplicate');
  });

  it('ranks the layer shared by the most images, and the biggest images by logical size', async () => {
    const res = await f.admin('GET', '/storage?top=3');
    expectStatus(res, 200);
    assert.deepEqual(res.body.sharedLayers, [{ digest: sha256(BASE), sizeBytes: 1000, images: 4, repositories: 3 }]);
    assert.deepEqual(res.body.biggestImages.map((i: { repository: string; tags: string[]; logicalBytes: number }) => [i.repository, i.tags, i.logicalBytes]), [
      ['beta/tool', ['latest'], tool.configBytes + 1400],
      ['alpha/api', ['v1'], api.configBytes + 1300],
      ['alpha/web', ['v2'], web2.configBytes + 1250],
    ]);
    assert.equal(res.body.biggestImages[0].digest, tool.digest);
    assert.deepEqual(res.body.biggestWasters, []);
    expectProblem(await f.admin('GET', '/storage?top=1000'), 400, 'BAD_REQUEST');
  });

  it('others see only the projects they may read; counts and totals cover only those', async () => {
    const mine = await dev('GET', '/storage');
    expectStatus(mine, 200);
    assert.deepEqual(mine.body.repositories, [apiFigures(), webFigures()]);
    assert.deepEqual(mine.body.projects.map((p: { name: string }) => p.name), ['alpha']);
    assert.deepEqual(mine.body.sharedLayers, [{ digest: sha256(BASE), sizeBytes: 1000, images: 3, repositories: 2 }]);
    assert.deepEqual(mine.body.biggestImages.map((i: { repository: string }) => i.repository), ['alpha/api', 'alpha/web', 'alpha/web']);
    const alphaPhysical = webFigures().physicalBytes + apiFigures().physicalBytes - 1000;
    assert.equal(mine.body.totals.physicalBytes, alphaPhysical);
    assert.equal(mine.body.totals.uniqueBytes, alphaPhysical - 1000);
    assert.doesNotMatch(mine.text, /beta/);

    const none = await outsider('GET', '/storage');
    expectStatus(none, 200);
    assert.deepEqual(none.body, {
      totals: { projects: 0, repositories: 0, manifests: 0, blobs: 0, logicalBytes: 0, physicalBytes: 0, uniqueBytes: 0, dedupRatio: null },
      projects: [], repositories: [], sharedLayers: [], biggestImages: [], biggestWasters: [],
    });
    expectProblem(await f.anonymous('GET', '/storage'), 401, 'UNAUTHORIZED');
  });

  it('a project report needs read access; one the caller may not see answers 404 like a missing one', async () => {
    const alpha = await dev('GET', '/projects/alpha/storage');
    expectStatus(alpha, 200);
    assert.deepEqual(alpha.body.repositories.map((r: { name: string }) => r.name), ['alpha/api', 'alpha/web']);
    assert.equal(alpha.body.projects.length, 1);
    assert.equal(alpha.body.projects[0].uniqueBytes, webFigures().physicalBytes + apiFigures().physicalBytes - 2000);
    const hidden = expectProblem(await dev('GET', '/projects/beta/storage'), 404, 'RESOURCE_UNKNOWN');
    const missing = expectProblem(await dev('GET', '/projects/nosuch/storage'), 404, 'RESOURCE_UNKNOWN');
    assert.equal(hidden.detail, missing.detail);
  });

  it('a repository report takes the name with its slashes percent-encoded; repositories the caller may not pull are 404', async () => {
    const res = await dev('GET', '/repositories/alpha%2Fweb/storage');
    expectStatus(res, 200);
    assert.deepEqual(res.body.repositories, [webFigures()]);
    assert.deepEqual(res.body.projects, []);
    assert.equal(res.body.totals.physicalBytes, webFigures().physicalBytes);
    assert.equal(res.body.totals.uniqueBytes, webFigures().uniqueBytes);
    // Two images in one repository share the base: listed once physically, twice logically.
    assert.deepEqual(res.body.sharedLayers, [{ digest: sha256(BASE), sizeBytes: 1000, images: 2, repositories: 1 }]);

    const hidden = expectProblem(await dev('GET', '/repositories/beta%2Ftool/storage'), 404, 'RESOURCE_UNKNOWN');
    const missing = expectProblem(await dev('GET', '/repositories/alpha%2Fnosuch/storage'), 404, 'RESOURCE_UNKNOWN');
    assert.equal(hidden.detail.replace('beta/tool', 'X'), missing.detail.replace('alpha/nosuch', 'X'));
    expectProblem(await f.admin('GET', '/repositories/alpha%2Fnosuch/storage'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await f.admin('GET', '/repositories/Not%20A%20Name/storage'), 404, 'RESOURCE_UNKNOWN');
    expectStatus(await f.admin('GET', '/repositories/beta%2Ftool/storage'), 200);
    expectProblem(await f.anonymous('GET', '/repositories/alpha%2Fweb/storage'), 401, 'UNAUTHORIZED');
  });

  it('the OpenAPI document describes the storage routes and how a repository name goes in the path', async () => {
    const doc = await f.anonymous('GET', '/openapi.json');
    expectStatus(doc, 200);
    const repoRoute = doc.body.paths['/api/v1/repositories/{repo}/storage'].get;
    assert.match(repoRoute.parameters.find((p: { name: string }) => p.name === 'repo').description, /%2F/);
    assert.equal(repoRoute['x-permission'], 'pull on the repository (others get 404)');
    assert.ok(doc.body.paths['/api/v1/storage'].get.responses['200'].content['application/json'].schema.properties.sharedLayers);
    assert.ok(doc.body.paths['/api/v1/projects/{project}/storage'].get);
    assert.equal(doc.body.paths['/api/v1/analysis'].get.parameters.find((p: { name: string }) => p.name === 'image').required, true);
  });
});
