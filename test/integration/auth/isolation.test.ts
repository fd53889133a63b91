/**
 * Cross-project isolation: the owner and the robot of one private project learn nothing about another one,
 * through the registry (manifests, tags, blobs, mounts, catalog, tokens) or the API (projects, members,
 * robots, IP rules, audit entries and their export).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../../helpers/berth-server.ts';
import { accessOf, basic, createProject, createRobot, createUser, getToken, grant, pushImageAs } from './auth-kit.ts';
import { sha256 } from './matrix-fixture.ts';

interface Side {
  project: string;
  layer: string;
  owner: string;
  robot: string;
}

describe('cross-project isolation', { timeout: 180_000 }, () => {
  let berth: TestBerth;
  const sides: Record<'alpha' | 'beta', Side> = {} as never;
  const admin = basic('admin', TEST_ADMIN_PASSWORD);

  const v2 = (path: string, authorization: string, init: RequestInit = {}) =>
    fetch(`${berth.url}/v2/${path}`, { ...init, headers: { authorization, accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const api = async (path: string, authorization: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${berth.url}/api/v1${path}`, {
      method, headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, text, body: text && /json/.test(type) && !/jsonl/.test(type) ? JSON.parse(text) : undefined };
  };
  const code = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors[0]!.code;

  before(async () => {
    berth = await startTestBerth();
    for (const project of ['alpha', 'beta'] as const) {
      await createProject(berth, project, false);
      const user = await createUser(berth, `owner-${project}`, `owner-${project}-password`);
      await grant(berth, project, user, 'owner');
      const robot = await createRobot(berth, { name: 'ci', project, permissions: [{ pattern: `${project}/**`, actions: ['pull', 'push', 'delete'] }] });
      const layer = `secret layer of ${project}`;
      await pushImageAs(berth.url, `${project}/app`, 'v1', admin, layer);
      sides[project] = { project, layer: sha256(layer), owner: basic(`owner-${project}`, `owner-${project}-password`), robot: basic(robot.name, robot.secret) };
      // Some activity of each project's own people for the audit trail.
      assert.equal((await v2(`${project}/app/manifests/v1`, sides[project].owner)).status, 200);
      assert.equal((await api(`/projects/${project}/members`, sides[project].owner, 'POST', { user: `owner-${project}`, role: 'owner' })).status, 201);
    }
    await berth.auth.audit.flush();
  });
  after(() => berth?.stop());

  for (const [mine, theirs] of [['alpha', 'beta'], ['beta', 'alpha']] as const) {
    for (const who of ['owner', 'robot'] as const) {
      it(`the ${who} of ${mine} cannot read ${theirs}'s repositories through the registry`, async () => {
        const me = sides[mine][who];
        const other = sides[theirs];
        const manifest = await v2(`${theirs}/app/manifests/v1`, me);
        assert.deepEqual([manifest.status, await code(manifest)], [404, 'MANIFEST_UNKNOWN']);
        const tags = await v2(`${theirs}/app/tags/list`, me);
        assert.deepEqual([tags.status, await code(tags)], [404, 'NAME_UNKNOWN']);
        const blob = await v2(`${theirs}/app/blobs/${other.layer}`, me);
        assert.deepEqual([blob.status, await code(blob)], [404, 'BLOB_UNKNOWN']);
        // Their blob is not reachable through my own repository either, by digest or by mounting it.
        const viaMine = await v2(`${mine}/app/blobs/${other.layer}`, me);
        assert.deepEqual([viaMine.status, await code(viaMine)], [404, 'BLOB_UNKNOWN']);
        for (const query of [`mount=${other.layer}&from=${theirs}/app`, `mount=${other.layer}`]) {
          const mount = await v2(`${mine}/app/blobs/uploads/?${query}`, me, { method: 'POST' });
          assert.equal(mount.status, 202, `${query}: a new upload session, not a mount`);
        }
        assert.equal((await v2(`${mine}/app/blobs/${other.layer}`, me)).status, 404, 'still not linked');
        const catalog = await v2('_catalog', me);
        assert.deepEqual([catalog.status, await code(catalog)], [403, 'DENIED']);
        const token = await getToken(berth, [`repository:${theirs}/app:pull,push,delete`, `repository:${mine}/app:pull`], me);
        assert.deepEqual(accessOf(token.token), [{ type: 'repository', name: `${mine}/app`, actions: ['pull'] }]);
        const withToken = await v2(`${theirs}/app/manifests/v1`, `Bearer ${token.token}`);
        assert.deepEqual([withToken.status, await code(withToken)], [404, 'MANIFEST_UNKNOWN'], 'a token for my project opens nothing in theirs');
      });

      it(`the ${who} of ${mine} cannot read ${theirs}'s project, members, robots, IP rules or audit entries through the API`, async () => {
        const me = sides[mine][who];
        const projects = await api('/projects', me);
        assert.deepEqual(projects.body.items.map((p: { name: string }) => p.name), [mine]);
        for (const path of [`/projects/${theirs}`, `/projects/${theirs}/members`, `/projects/${theirs}/robots`, `/projects/${theirs}/ip-rules`,
          `/robots/${encodeURIComponent(`robot$${theirs}+ci`)}/ip-rules`, `/audit?project=${theirs}`, `/audit?project=${theirs}&format=jsonl`]) {
          const res = await api(path, me);
          assert.deepEqual([res.status, res.body?.code], [404, 'RESOURCE_UNKNOWN'], `${path}: ${res.text.slice(0, 200)}`);
        }
        const patch = await api(`/robots/${encodeURIComponent(`robot$${theirs}+ci`)}`, me, 'PATCH', { isDisabled: true });
        assert.deepEqual([patch.status, patch.body?.code], [404, 'RESOURCE_UNKNOWN']);
        if (who === 'owner') {
          // Their own audit view and export hold their project's events only, none of the other's (events in
          // their project by the other side's people, like the attempts above, are theirs to see).
          const own = await api(`/audit?project=${mine}&limit=500`, me);
          assert.equal(own.status, 200);
          assert.ok(own.body.items.length >= 3, own.text.slice(0, 300));
          assert.ok(own.body.items.every((e: { project: string }) => e.project === mine));
          assert.ok(!own.text.includes(`"project":"${theirs}"`) && !own.text.includes(`${theirs}/app`), own.text.slice(0, 300));
          const exported = await api(`/audit?project=${mine}&format=jsonl`, me);
          assert.equal(exported.status, 200);
          assert.ok(exported.text.trim().split('\n').every((line) => (JSON.parse(line) as { project: string }).project === mine));
          assert.ok(!exported.text.includes(`"project":"${theirs}"`) && !exported.text.includes(`${theirs}/app`));
          const members = await api(`/projects/${mine}/members`, me);
          assert.deepEqual(members.body.items.map((m: { name: string }) => m.name), [`owner-${mine}`]);
          const robots = await api(`/projects/${mine}/robots`, me);
          assert.deepEqual(robots.body.items.map((r: { name: string }) => r.name), [`robot$${mine}+ci`]);
        }
      });
    }
  }

  it('nothing above changed the other project: its own owner still sees everything as it was', async () => {
    for (const project of ['alpha', 'beta'] as const) {
      const { owner } = sides[project];
      assert.equal((await v2(`${project}/app/manifests/v1`, owner)).status, 200);
      const robots = await api(`/projects/${project}/robots`, owner);
      assert.deepEqual(robots.body.items.map((r: { name: string; isDisabled: boolean }) => [r.name, r.isDisabled]), [[`robot$${project}+ci`, false]]);
    }
  });
});
