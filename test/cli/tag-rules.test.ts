import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basic, passwordOf, startApiFixture, type ApiFixture } from '../api/api-client.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/berth-server.ts';
import { pushImage } from '../helpers/oci-client.ts';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.ts';
import { pushImageAs } from '../integration/auth/auth-kit.ts';
import { jsonOf, runBerth } from './run-berth.ts';

describe('berth tag-rules and berth tags --sort', { timeout: 300_000 }, () => {
  let f: ApiFixture;
  let reference: ReferenceRegistry;
  let configHome: string;
  const as = (user: string, password = passwordOf(user)) => ({ BERTH_SERVER: f.berth.url, BERTH_USER: user, BERTH_PASSWORD: password, XDG_CONFIG_HOME: configHome });
  const admin = () => as('admin', TEST_ADMIN_PASSWORD);

  before(async () => {
    [f, reference] = await Promise.all([startApiFixture(), startReferenceRegistry()]);
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-tag-rules-'));
    await f.user('mia');
    await f.project('acme');
    await f.grant('acme', 'mia', 'maintainer');
  });
  after(async () => {
    await Promise.all([f?.stop(), reference?.stop()]);
    if (configHome) await rm(configHome, { recursive: true, force: true });
  });

  it('adds, lists and removes rules; the rules then govern pushes', async () => {
    const naming = await runBerth(['tag-rules', 'add-naming', 'acme', 'release-names', '--forms', 'semver,pattern', '--pattern', 'build-*', '--json'], { env: as('mia') });
    assert.equal(naming.code, 0, naming.stderr);
    assert.deepEqual({ ...jsonOf<object>(naming), id: 0, createdAt: 0 }, {
      id: 0, createdAt: 0, name: 'release-names', repositories: '**', createdBy: 'mia', mode: 'enforce', conventions: true, maxLength: 64, forms: ['semver', 'pattern'], pattern: 'build-*',
    });
    const immutable = await runBerth(['tag-rules', 'add-immutable', 'acme', 'frozen', '--tags', 'v*'], { env: as('mia') });
    assert.equal(immutable.code, 0, immutable.stderr);
    assert.match(immutable.stdout, /^Added immutable rule frozen \(\S+\) to acme: tags v\* in \*\*\n$/);

    const listed = await runBerth(['tag-rules', 'list', 'acme'], { env: as('mia') });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^Project acme: production off; channels dev, test, staging, prod\n/);
    assert.match(listed.stdout, /release-names +\S+ +enforce +\*\* +yes \(max 64\) +semver, pattern build-\*/);
    assert.match(listed.stdout, /frozen +\S+ +\*\* +v\*/);

    const who = basic('mia', passwordOf('mia'));
    await assert.rejects(pushImageAs(f.berth.url, 'acme/app', 'nightly', who), /400 .*TAG_INVALID.*release-names/);
    await pushImageAs(f.berth.url, 'acme/app', 'build-7', who);

    // A maintainer may not remove an immutable rule: exit 4; the owner (here an admin) may.
    const denied = await runBerth(['tag-rules', 'remove', 'acme', 'frozen'], { env: as('mia') });
    assert.equal(denied.code, 4, denied.stderr);
    const removed = await runBerth(['tag-rules', 'remove', 'acme', 'frozen', '--json'], { env: admin() });
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(jsonOf(removed), { project: 'acme', removed: 'frozen', kind: 'immutable' });
    const missing = await runBerth(['tag-rules', 'remove', 'acme', 'frozen'], { env: admin() });
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /project acme has no tag rule named "frozen"/);
  });

  it('sets production protection (owners only) and refuses bad usage with exit 2', async () => {
    const denied = await runBerth(['tag-rules', 'production', 'acme', '--on'], { env: as('mia') });
    assert.equal(denied.code, 4);
    const on = await runBerth(['tag-rules', 'production', 'acme', '--on', '--refuse-latest-pull', '--json'], { env: admin() });
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual(jsonOf(on), { isProduction: true, refuseLatestPull: true });
    await assert.rejects(pushImageAs(f.berth.url, 'acme/app', 'latest', basic('admin', TEST_ADMIN_PASSWORD)), /403 .*DENIED.*production/);
    const off = await runBerth(['tag-rules', 'production', 'acme', '--off'], { env: admin() });
    assert.equal(off.stdout, 'Project acme: production no, pulling latest refused no\n');

    for (const args of [['production', 'acme'], ['production', 'acme', '--on', '--off'], ['add-naming', 'acme', 'x', '--mode', 'strict'], ['add-naming', 'acme', 'x', '--forms', 'semver,nightly'], ['add-naming', 'acme', 'x', '--max-length', '0'], ['add-immutable', 'acme', 'x']]) {
      const run = await runBerth(['tag-rules', ...args], { env: admin() });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    }
    const rejected = await runBerth(['tag-rules', 'add-naming', 'acme', 'x', '--forms', 'pattern'], { env: admin() });
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /body\.pattern: give a pattern exactly when forms include "pattern"/);
  });

  it('tags --sort lists kinds, digests and push times from Berth', async () => {
    const who = basic('admin', TEST_ADMIN_PASSWORD);
    const digest = await pushImageAs(f.berth.url, 'acme/svc', '1.2.0', who);
    for (const tag of ['1.10.0', '1.10.0-rc.1', 'build-3']) await pushImageAs(f.berth.url, 'acme/svc', tag, who, `layer ${tag}`);
    const json = await runBerth(['tags', 'acme/svc', '--sort', 'version', '--json'], { env: admin() });
    assert.equal(json.code, 0, json.stderr);
    const body = jsonOf<{ sort: string; repository: string; tags: Array<{ name: string; kind: string; digest: string }> }>(json);
    assert.equal(body.sort, 'version');
    assert.equal(body.repository, 'acme/svc');
    assert.deepEqual(body.tags.map((t) => [t.name, t.kind]), [['1.10.0', 'semver'], ['1.10.0-rc.1', 'semver'], ['1.2.0', 'semver'], ['build-3', 'other']]);
    assert.equal(body.tags[2]!.digest, digest);

    const text = await runBerth(['tags', 'acme/svc', '--sort', 'name'], { env: admin() });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0]!, /^TAG +KIND +DIGEST +PUSHED$/);
    assert.match(lines[3]!, new RegExp(`^1\\.2\\.0 +semver +${digest.slice(0, 19)} +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
    assert.equal((await runBerth(['tags', 'acme/svc', '--sort', 'size'], { env: admin() })).code, 2);
    // Without --sort: the registry API, as before.
    assert.deepEqual(jsonOf(await runBerth(['tags', 'acme/svc', '--json'], { env: admin() })).tags, ['1.10.0', '1.10.0-rc.1', '1.2.0', 'build-3']);
  });

  it('tags --sort on another registry sorts by version or name locally; by push time it cannot', async () => {
    for (const tag of ['v1.9.0', 'v1.10.0', 'latest', 'abc1234']) await pushImage(reference.url, 'lib/app', tag);
    const env = { XDG_CONFIG_HOME: configHome };
    const sorted = await runBerth(['tags', `${reference.host}/lib/app`, '--sort', 'version', '--json'], { env });
    assert.equal(sorted.code, 0, sorted.stderr);
    assert.deepEqual(jsonOf(sorted), {
      registry: reference.host, repository: 'lib/app', sort: 'version',
      tags: [{ name: 'v1.10.0', kind: 'semver', version: '1.10.0' }, { name: 'v1.9.0', kind: 'semver', version: '1.9.0' }, { name: 'latest', kind: 'latest', version: null }, { name: 'abc1234', kind: 'git-sha', version: null }],
    });
    const pushed = await runBerth(['tags', `${reference.host}/lib/app`, '--sort', 'pushed'], { env });
    assert.equal(pushed.code, 2);
    assert.match(pushed.stderr, /is not a Berth server: it does not say when tags were pushed/);
  });
});
