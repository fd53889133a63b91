import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertToolsInstalled, createContainersSandbox, type ContainersSandbox } from '../../helpers/containers-tools.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../../helpers/berth-server.ts';
import { testImage, type BuiltImage } from '../../helpers/test-image.ts';
import { createProject, createRobot, createUser, grant } from './auth-kit.ts';

interface Inspected {
  Digest: string;
}

// skopeo and podman against an enforcing Berth: login, token dance, push/pull to a private project as a user
// and as a robot, anonymous pulls from a public project.
describe('skopeo and podman against Berth with authentication', () => {
  let berth: TestBerth;
  let tools: ContainersSandbox;
  let anonymous: ContainersSandbox;
  let work: string;
  let image: BuiltImage;
  let host: string;
  let robot: { name: string; secret: string };

  before(async () => {
    assertToolsInstalled('skopeo', 'podman');
    berth = await startTestBerth();
    host = new URL(berth.url).host;
    [tools, anonymous] = await Promise.all([createContainersSandbox(), createContainersSandbox()]);
    work = await mkdtemp(join(tmpdir(), 'auth-interop-'));
    image = await testImage().layer({ 'etc/motd': 'signed in\n' }).config({ Env: ['AUTH=yes'] }).build(join(work, 'src'), 'v1');
    await createProject(berth, 'priv', false);
    await createProject(berth, 'pub', true);
    const dev = await createUser(berth, 'dev', 'dev-password-1');
    await grant(berth, 'priv', dev, 'developer');
    robot = await createRobot(berth, { name: 'ci', project: 'priv', permissions: [{ pattern: 'priv/**', actions: ['pull', 'push'] }] });
  });
  after(async () => {
    await Promise.all([tools?.dispose(), anonymous?.dispose()]);
    await berth?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const inspectDigest = async (sandbox: ContainersSandbox, ref: string) =>
    (JSON.parse((await sandbox.skopeo(['inspect', '--tls-verify=false', `docker://${ref}`])).stdout) as Inspected).Digest;

  it('skopeo: a wrong password fails login; a user logs in, pushes and pulls in a private project', async () => {
    await assert.rejects(tools.skopeo(['login', '--tls-verify=false', '-u', 'dev', '-p', 'wrong-password', host]), /invalid username\/password|unauthorized|401/i);
    await tools.skopeo(['login', '--tls-verify=false', '-u', 'dev', '-p', 'dev-password-1', host]);
    await tools.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/priv/app:v1`]);
    assert.equal(await inspectDigest(tools, `${host}/priv/app:v1`), image.manifest.digest);
    await tools.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/priv/app:v1`, `oci:${join(work, 'user-pull')}:v1`]);
    await tools.skopeo(['logout', host]);
    await assert.rejects(inspectDigest(tools, `${host}/priv/app:v1`), 'after logout the private repository is out of reach');
  });

  it('skopeo: a robot logs in, pushes and pulls inside its project', async () => {
    await tools.skopeo(['login', '--tls-verify=false', '-u', robot.name, '-p', robot.secret, host]);
    await tools.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/priv/bot:v1`]);
    assert.equal(await inspectDigest(tools, `${host}/priv/bot:v1`), image.manifest.digest);
    await tools.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/priv/bot:v1`, `oci:${join(work, 'robot-pull')}:v1`]);
    await assert.rejects(tools.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/pub/bot:v1`]), 'outside its project');
    await tools.skopeo(['logout', host]);
  });

  it('podman: user and robot log in, pull and push in the private project', async () => {
    await tools.podman(['login', '--tls-verify=false', '-u', 'dev', '-p', 'dev-password-1', host]);
    await tools.podman(['pull', '--tls-verify=false', `${host}/priv/app:v1`]);
    await tools.podman(['tag', `${host}/priv/app:v1`, `${host}/priv/from-podman:v1`]);
    await tools.podman(['push', '--tls-verify=false', `${host}/priv/from-podman:v1`]);
    await tools.podman(['logout', host]);
    await tools.podman(['login', '--tls-verify=false', '-u', robot.name, '-p', robot.secret, host]);
    await tools.podman(['pull', '--tls-verify=false', `${host}/priv/from-podman:v1`]);
    await tools.podman(['push', '--tls-verify=false', `${host}/priv/from-podman:v1`, `docker://${host}/priv/from-robot:v1`]);
    await tools.podman(['logout', host]);
    const tags = await fetch(`${berth.url}/v2/priv/from-robot/tags/list`, { headers: { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}` } });
    assert.deepEqual(await tags.json(), { name: 'priv/from-robot', tags: ['v1'] });
  });

  it('anonymous skopeo and podman pull from a public project, and cannot reach the private one', async () => {
    await tools.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `admin:${TEST_ADMIN_PASSWORD}`, `oci:${image.dir}:v1`, `docker://${host}/pub/app:v1`]);
    assert.equal(await inspectDigest(anonymous, `${host}/pub/app:v1`), image.manifest.digest);
    await anonymous.skopeo(['copy', '--src-tls-verify=false', `docker://${host}/pub/app:v1`, `oci:${join(work, 'anon-pull')}:v1`]);
    await anonymous.podman(['pull', '--tls-verify=false', `${host}/pub/app:v1`]);
    await assert.rejects(anonymous.podman(['pull', '--tls-verify=false', `${host}/priv/app:v1`]));
    await assert.rejects(anonymous.skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${host}/pub/anon:v1`]), 'anonymous push refused');
  });
});
