import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { basic, pushImageAs } from '../integration/auth/auth-kit.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const ALICE_PASSWORD = 'alice-secret-password-1';

function assertNoSecret(run: CliRun, secret: string): void {
  assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `a secret leaked:\n${run.stdout}\n${run.stderr}`);
}

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

describe('berth management commands: an admin sets up a project, a user and robots use it', { timeout: 1_200_000 }, () => {
  let berth: TestBerth;
  let homes: string[] = [];
  let adminEnv: Record<string, string>;
  let aliceEnv: Record<string, string>;
  let robotSecret = '';
  let mirrorSecret = '';

  const home = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    homes.push(dir);
    return dir;
  };

  before(async () => {
    berth = await startTestBerth();
    adminEnv = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: await home(), BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    aliceEnv = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: await home() };
  });
  after(async () => {
    await berth?.stop();
    for (const dir of homes) await rm(dir, { recursive: true, force: true });
    homes = [];
  });

  it('admin creates user alice from stdin; the password is never printed', async () => {
    const run = ok(await runBerth(['user', 'create', 'alice', '--password-stdin', '--json'], { env: adminEnv, stdin: `${ALICE_PASSWORD}\n` }));
    assertNoSecret(run, ALICE_PASSWORD);
    const user = jsonOf(run);
    assert.deepEqual({ ...user, createdAt: typeof user.createdAt, updatedAt: typeof user.updatedAt }, {
      username: 'alice', isAdmin: false, isDisabled: false, createdAt: 'string', updatedAt: 'string',
    });
  });

  it('admin creates project app and grants alice developer on app/*', async () => {
    const project = jsonOf(ok(await runBerth(['project', 'create', 'app', '--json'], { env: adminEnv })));
    assert.equal(project.name, 'app');
    assert.equal(project.isPublic, false);
    const grant = jsonOf(ok(await runBerth(['project', 'grant', 'app', '--user', 'alice', '--role', 'developer', '--pattern', '*', '--json'], { env: adminEnv })));
    assert.deepEqual({ ...grant, createdAt: typeof grant.createdAt }, { kind: 'user', name: 'alice', role: 'developer', pattern: '*', createdAt: 'string' });

    const members = jsonOf<{ project: string; members: Array<Record<string, string>> }>(ok(await runBerth(['project', 'members', 'app', '--json'], { env: adminEnv })));
    assert.equal(members.project, 'app');
    assert.deepEqual(members.members.map((m) => `${m.kind}:${m.name}:${m.role}:${m.pattern}`), ['user:alice:developer:*']);
    const table = ok(await runBerth(['project', 'members', 'app'], { env: adminEnv }));
    assert.match(table.stdout, /^KIND\s+NAME\s+ROLE\s+PATTERN\s+GRANTED\nuser\s+alice\s+developer\s+\*\s+\d{4}-/);
  });

  it('admin creates a project robot with an expiry; the secret is printed once with a warning', async () => {
    const before = Date.now();
    const run = ok(await runBerth(['robot', 'create', 'ci', '--project', 'app', '--permission', 'app/**:pull,push', '--expires', '30d', '--description', 'CI pipeline', '--json'], { env: adminEnv }));
    const robot = jsonOf(run);
    assert.equal(robot.name, 'robot$app+ci');
    assert.equal(robot.project, 'app');
    assert.equal(robot.description, 'CI pipeline');
    assert.deepEqual(robot.permissions, [{ pattern: 'app/**', actions: ['pull', 'push'] }]);
    const expiresMs = Date.parse(robot.expiresAt as string);
    const thirtyDays = 30 * 86_400_000;
    assert.ok(expiresMs >= before + thirtyDays - 1000 && expiresMs <= Date.now() + thirtyDays + 1000, `expiresAt ${robot.expiresAt}`);
    assert.equal(typeof robot.secret, 'string');
    robotSecret = robot.secret as string;
    assert.ok(robotSecret.length >= 20);
    assert.match(run.stderr, /cannot be shown again/);

    // The secret is not shown anywhere after creation.
    const shown = ok(await runBerth(['robot', 'show', 'robot$app+ci', '--json'], { env: adminEnv }));
    assert.equal(jsonOf(shown).secret, undefined);
    assertNoSecret(shown, robotSecret);
    const listed = ok(await runBerth(['robot', 'list', '--project', 'app'], { env: adminEnv }));
    assert.match(listed.stdout, /^NAME\s+PERMISSIONS\s+EXPIRES\s+DISABLED\s+DESCRIPTION\nrobot\$app\+ci\s+app\/\*\*:pull,push\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+no\s+CI pipeline\n$/);
    assertNoSecret(listed, robotSecret);

    const mirror = ok(await runBerth(['robot', 'create', 'mirror', '--permission', '**:pull,catalog'], { env: adminEnv }));
    const secretLine = /^Secret: (\S+)$/m.exec(mirror.stdout);
    assert.ok(secretLine, mirror.stdout);
    mirrorSecret = secretLine[1]!;
    assert.match(mirror.stdout, /^Created robot robot\$mirror$/m);
    assert.match(mirror.stderr, /cannot be shown again/);
  });

  it('alice logs in with --password-stdin and lists the tags she may see', async () => {
    const admin = basic('admin', TEST_ADMIN_PASSWORD);
    await pushImageAs(berth.url, 'app/web', 'v1', admin);
    await pushImageAs(berth.url, 'app/web', 'v2', admin);
    await pushImageAs(berth.url, 'app/deep/thing', 'v1', admin);

    const login = ok(await runBerth(['login', '--username', 'alice', '--password-stdin'], { env: aliceEnv, stdin: `${ALICE_PASSWORD}\n` }));
    assertNoSecret(login, ALICE_PASSWORD);
    const tags = ok(await runBerth(['tags', 'app/web', '--json'], { env: aliceEnv }));
    assert.deepEqual(jsonOf(tags).tags, ['v1', 'v2']);
    // `*` covers one path component: app/deep/thing is outside her grant and looks missing.
    const deep = await runBerth(['tags', 'app/deep/thing'], { env: aliceEnv });
    assert.equal(deep.code, 5, deep.stderr);

    const me = jsonOf(ok(await runBerth(['whoami', '--json'], { env: aliceEnv })));
    assert.deepEqual(me, { kind: 'user', name: 'alice', isAdmin: false, method: 'basic' });
    const projects = jsonOf<{ projects: Array<{ name: string }> }>(ok(await runBerth(['project', 'list', '--json'], { env: aliceEnv })));
    assert.deepEqual(projects.projects.map((p) => p.name), ['app']);

    // She is no administrator: the user list is denied (4), with the server's reason.
    const users = await runBerth(['user', 'list'], { env: aliceEnv });
    assert.equal(users.code, 4, users.stderr);
    assert.match(users.stderr, /^berth: list users: only administrators may do this \(DENIED\) \(HTTP 403\)/);
    assert.equal(users.stdout, '');
  });

  it("the project robot's secret works with BERTH_USER/BERTH_PASSWORD for tags, not for the catalog", async () => {
    const env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: await home(), BERTH_USER: 'robot$app+ci', BERTH_PASSWORD: robotSecret };
    const tags = ok(await runBerth(['tags', 'app/deep/thing', '--json'], { env }));
    assert.deepEqual(jsonOf(tags).tags, ['v1']);
    const me = jsonOf(ok(await runBerth(['whoami', '--json'], { env })));
    assert.equal(me.kind, 'robot');
    assert.equal(me.name, 'robot$app+ci');
    assert.equal(me.project, 'app');
    // Only admins and system robots holding `catalog` on ** may list every repository.
    assert.equal((await runBerth(['repos'], { env })).code, 4);
  });

  it("the system robot's secret lists the catalog and tags", async () => {
    const env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: await home(), BERTH_USER: 'robot$mirror', BERTH_PASSWORD: mirrorSecret };
    const repos = ok(await runBerth(['repos', '--json'], { env }));
    assert.deepEqual(jsonOf(repos).repositories, ['app/deep/thing', 'app/web']);
    assert.deepEqual(jsonOf(ok(await runBerth(['tags', 'app/web', '--json'], { env }))).tags, ['v1', 'v2']);
  });

  it('regenerating the secret retires the old one at once', async () => {
    const run = ok(await runBerth(['robot', 'regenerate', 'ci', '--project', 'app', '--json'], { env: adminEnv }));
    const fresh = jsonOf(run).secret as string;
    assert.notEqual(fresh, robotSecret);
    assert.match(run.stderr, /cannot be shown again/);
    const base = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: await home(), BERTH_USER: 'robot$app+ci' };
    assert.equal((await runBerth(['tags', 'app/web'], { env: { ...base, BERTH_PASSWORD: robotSecret } })).code, 4);
    assert.deepEqual(jsonOf(ok(await runBerth(['tags', 'app/web', '--json'], { env: { ...base, BERTH_PASSWORD: fresh } }))).tags, ['v1', 'v2']);
  });

  it('alice changes her own password; her saved login follows and the old password stops working', async () => {
    const next = 'alice-next-password-2';
    const run = ok(await runBerth(['user', 'passwd', '--password-stdin', '--json'], { env: aliceEnv, stdin: `${next}\n` }));
    assertNoSecret(run, next);
    assertNoSecret(run, ALICE_PASSWORD);
    assert.deepEqual(jsonOf(run), { username: 'alice', savedLoginUpdated: true });
    assert.equal(jsonOf(ok(await runBerth(['whoami', '--json'], { env: aliceEnv }))).name, 'alice');
    const old = await runBerth(['whoami'], { env: { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: await home(), BERTH_USER: 'alice', BERTH_PASSWORD: ALICE_PASSWORD } });
    assert.equal(old.code, 4);
    assert.match(old.stderr, /credentials of alice .* were refused/);
    assertNoSecret(old, ALICE_PASSWORD);
  });

  it('admin disables alice, revokes her grant and deletes the robot', async () => {
    const updated = jsonOf(ok(await runBerth(['user', 'update', 'alice', '--disable', '--json'], { env: adminEnv })));
    assert.equal(updated.isDisabled, true);
    assert.equal((await runBerth(['tags', 'app/web'], { env: aliceEnv })).code, 4);

    assert.deepEqual(jsonOf(ok(await runBerth(['project', 'revoke', 'app', '--user', 'alice', '--json'], { env: adminEnv }))), {
      project: 'app', revoked: { kind: 'user', name: 'alice', pattern: null },
    });
    assert.deepEqual(jsonOf(ok(await runBerth(['project', 'members', 'app', '--json'], { env: adminEnv }))).members, []);

    assert.deepEqual(jsonOf(ok(await runBerth(['robot', 'delete', 'robot$app+ci', '--json'], { env: adminEnv }))), { deleted: 'robot$app+ci' });
    assert.deepEqual(jsonOf(ok(await runBerth(['robot', 'list', '--project', 'app', '--json'], { env: adminEnv }))), { project: 'app', robots: [] });
    assert.equal((await runBerth(['robot', 'show', 'ci', '--project', 'app'], { env: adminEnv })).code, 5);
  });
});
