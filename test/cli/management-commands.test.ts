import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

function fails(run: CliRun, code: number, stderr: RegExp): void {
  assert.equal(run.code, code, `expected exit ${code}, got ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.match(run.stderr, stderr);
  assert.equal(run.stdout, '');
}

/** A loopback port nothing listens on: a command that reached for the network would exit 3 there, not 2. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('berth management commands: JSON shapes, tables and exit codes', { timeout: 1_200_000 }, () => {
  let berth: TestBerth;
  let configHome: string;
  let admin: Record<string, string>;
  let bob: Record<string, string>;
  const BOB_PASSWORD = 'bob-password-12345';

  before(async () => {
    berth = await startTestBerth();
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    admin = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: configHome, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    bob = { ...admin, BERTH_USER: 'bob', BERTH_PASSWORD: BOB_PASSWORD };
    ok(await runBerth(['user', 'create', 'bob', '--password-stdin'], { env: admin, stdin: BOB_PASSWORD }));
    ok(await runBerth(['project', 'create', 'shop'], { env: admin }));
  });
  after(async () => {
    await berth?.stop();
    await rm(configHome, { recursive: true, force: true });
  });

  it('user list, show and update print tables and JSON without any password or hash', async () => {
    const table = ok(await runBerth(['user', 'list'], { env: admin }));
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^USERNAME\s+ADMIN\s+DISABLED\s+CREATED$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), ['admin yes no', 'bob no no']);

    const list = jsonOf<{ users: Array<Record<string, unknown>> }>(ok(await runBerth(['user', 'list', '--json'], { env: admin })));
    assert.deepEqual(list.users.map((u) => Object.keys(u).sort()), [0, 1].map(() => ['createdAt', 'isAdmin', 'isDisabled', 'updatedAt', 'username']));
    assert.doesNotMatch(JSON.stringify(list), /argon2|password/i);

    const promoted = jsonOf(ok(await runBerth(['user', 'update', 'bob', '--admin', '--json'], { env: admin })));
    assert.equal(promoted.isAdmin, true);
    const demoted = jsonOf(ok(await runBerth(['user', 'update', 'bob', '--no-admin', '--json'], { env: admin })));
    assert.equal(demoted.isAdmin, false);
    const shown = ok(await runBerth(['user', 'show', 'bob'], { env: admin }));
    assert.match(shown.stdout, /^username\s+bob\nadmin\s+no\ndisabled\s+no\ncreated\s+\d{4}-/);
  });

  it('sets a new password from stdin for another user; it is never echoed', async () => {
    const fresh = 'bob-fresh-password-9';
    const run = ok(await runBerth(['user', 'update', 'bob', '--password-stdin'], { env: admin, stdin: `${fresh}\n` }));
    assert.ok(!run.stdout.includes(fresh) && !run.stderr.includes(fresh));
    assert.equal(jsonOf(ok(await runBerth(['whoami', '--json'], { env: { ...bob, BERTH_PASSWORD: fresh } }))).name, 'bob');
    ok(await runBerth(['user', 'update', 'bob', '--password-stdin'], { env: admin, stdin: BOB_PASSWORD }));
  });

  it('teams: create, add and remove members, list, delete', async () => {
    assert.deepEqual(Object.keys(jsonOf(ok(await runBerth(['team', 'create', 'backend', '--json'], { env: admin })))).sort(), ['createdAt', 'name']);
    assert.deepEqual(jsonOf(ok(await runBerth(['team', 'add-member', 'backend', 'bob', '--json'], { env: admin }))), { team: 'backend', added: 'bob' });
    assert.deepEqual(jsonOf(ok(await runBerth(['team', 'members', 'backend', '--json'], { env: admin }))), { team: 'backend', members: ['bob'] });
    assert.equal(ok(await runBerth(['team', 'members', 'backend'], { env: admin })).stdout, 'bob\n');

    const grant = jsonOf(ok(await runBerth(['project', 'grant', 'shop', '--team', 'backend', '--role', 'maintainer', '--json'], { env: admin })));
    assert.deepEqual([grant.kind, grant.name, grant.role, grant.pattern], ['team', 'backend', 'maintainer', '**']);
    // Bob is in the team, so he now sees the project.
    const bobProjects = jsonOf<{ projects: Array<{ name: string }> }>(ok(await runBerth(['project', 'list', '--json'], { env: bob })));
    assert.deepEqual(bobProjects.projects.map((p) => p.name), ['shop']);

    assert.deepEqual(jsonOf(ok(await runBerth(['team', 'remove-member', 'backend', 'bob', '--json'], { env: admin }))), { team: 'backend', removed: 'bob' });
    assert.deepEqual(jsonOf(ok(await runBerth(['team', 'members', 'backend', '--json'], { env: admin }))).members, []);
    assert.match(ok(await runBerth(['team', 'list'], { env: admin })).stdout, /^TEAM\s+CREATED\nbackend\s+\d{4}-/);
    assert.deepEqual(jsonOf(ok(await runBerth(['team', 'delete', 'backend', '--json'], { env: admin }))), { deleted: 'backend' });
    assert.deepEqual(jsonOf(ok(await runBerth(['team', 'list', '--json'], { env: admin }))), { teams: [] });
  });

  it('projects: show, switch visibility, delete', async () => {
    ok(await runBerth(['project', 'create', 'docs', '--public'], { env: admin }));
    const shown = jsonOf(ok(await runBerth(['project', 'show', 'docs', '--json'], { env: admin })));
    assert.deepEqual([shown.name, shown.isPublic], ['docs', true]);
    assert.equal(jsonOf(ok(await runBerth(['project', 'update', 'docs', '--private', '--json'], { env: admin }))).isPublic, false);
    assert.match(ok(await runBerth(['project', 'list'], { env: admin })).stdout, /^PROJECT\s+VISIBILITY\s+CREATED\ndocs\s+private\s+\S+\nshop\s+private\s+\S+\n$/);
    assert.deepEqual(jsonOf(ok(await runBerth(['project', 'delete', 'docs', '--json'], { env: admin }))), { deleted: 'docs' });
    fails(await runBerth(['project', 'show', 'docs'], { env: admin }), 5, /^berth: project docs: project not found \(RESOURCE_UNKNOWN\) \(HTTP 404\)/);
  });

  it('IP rules at system, project and robot level', async () => {
    // A non-empty allow list means "only these": loopback stays allowed, so the tests can still reach shop.
    const added = jsonOf(ok(await runBerth(['ip-rule', 'add', '--project', 'shop', '--allow', '127.0.0.0/8', '--json'], { env: admin })));
    assert.deepEqual([added.effect, added.cidr], ['allow', '127.0.0.0/8']);
    const listed = jsonOf<{ scope: string; rules: Array<{ id: string; cidr: string }> }>(ok(await runBerth(['ip-rule', 'list', '--project', 'shop', '--json'], { env: admin })));
    assert.equal(listed.scope, 'project shop');
    assert.deepEqual(listed.rules.map((r) => [r.id, r.cidr]), [[added.id, '127.0.0.0/8']]);
    assert.deepEqual(jsonOf(ok(await runBerth(['ip-rule', 'list', '--json'], { env: admin }))), { scope: 'system', rules: [] });

    const secret = jsonOf(ok(await runBerth(['robot', 'create', 'deploy', '--project', 'shop', '--permission', 'shop/**:pull', '--json'], { env: admin }))).secret as string;
    const robotEnv = { ...admin, BERTH_USER: 'robot$shop+deploy', BERTH_PASSWORD: secret };
    ok(await runBerth(['whoami'], { env: robotEnv }));
    const robotRule = jsonOf(ok(await runBerth(['ip-rule', 'add', '--robot', 'deploy', '--project', 'shop', '--deny', '127.0.0.1', '--json'], { env: admin })));
    assert.equal(robotRule.effect, 'deny');
    const robotRules = ok(await runBerth(['ip-rule', 'list', '--robot', 'robot$shop+deploy'], { env: admin }));
    assert.match(robotRules.stdout, new RegExp(`^ID\\s+EFFECT\\s+CIDR\\s+CREATED\\n${robotRule.id}\\s+deny\\s+127\\.0\\.0\\.1\\s+\\d{4}-`));
    // The rule holds at once: the robot is refused from this address.
    fails(await runBerth(['whoami'], { env: robotEnv }), 4, /access from 127\.0\.0\.1 is not allowed/);
    ok(await runBerth(['ip-rule', 'remove', String(robotRule.id), '--robot', 'robot$shop+deploy'], { env: admin }));
    ok(await runBerth(['whoami'], { env: robotEnv }));

    assert.deepEqual(jsonOf(ok(await runBerth(['ip-rule', 'remove', String(added.id), '--project', 'shop', '--json'], { env: admin }))), { scope: 'project shop', removed: added.id });
    assert.deepEqual(jsonOf(ok(await runBerth(['ip-rule', 'list', '--project', 'shop', '--json'], { env: admin }))).rules, []);
    fails(await runBerth(['ip-rule', 'remove', String(added.id), '--project', 'shop'], { env: admin }), 5, /not found/);
  });

  it('robots: update permissions, expiry and disabled flag', async () => {
    const updated = jsonOf(ok(await runBerth(['robot', 'update', 'deploy', '--project', 'shop', '--permission', 'shop/web:pull,push', '--expires', '2099-01-01', '--disable', '--json'], { env: admin })));
    assert.deepEqual(updated.permissions, [{ pattern: 'shop/web', actions: ['pull', 'push'] }]);
    assert.equal(updated.expiresAt, '2099-01-01T00:00:00.000Z');
    assert.equal(updated.isDisabled, true);
    const never = jsonOf(ok(await runBerth(['robot', 'update', 'robot$shop+deploy', '--expires', 'never', '--enable', '--json'], { env: admin })));
    assert.deepEqual([never.expiresAt, never.isDisabled], [null, false]);
    const shown = ok(await runBerth(['robot', 'show', 'deploy', '--project', 'shop'], { env: admin }));
    assert.match(shown.stdout, /^name\s+robot\$shop\+deploy\nproject\s+shop\n.*\npermissions\s+shop\/web:pull,push\nexpires\s+never\ndisabled\s+no\n/);
    // The server's own checks come back as bad usage: a project robot's pattern must start with its project.
    fails(await runBerth(['robot', 'update', 'deploy', '--project', 'shop', '--permission', 'other/**:pull'], { env: admin }), 2, /must start with its project "shop".*\(BAD_REQUEST\) \(HTTP 400\)/);
  });

  it('alerts: list, list unacknowledged, acknowledge', async () => {
    const first = await berth.meta.alerts.record({ at: Date.now() - 1000, rule: 'failed-logins', principal: 'mallory', detail: { count: 12 } });
    const second = await berth.meta.alerts.record({ at: Date.now(), rule: 'mass-delete', principal: 'eve', detail: { count: 40 } });
    const all = jsonOf<{ alerts: Array<Record<string, unknown>> }>(ok(await runBerth(['alert', 'list', '--json'], { env: admin })));
    assert.deepEqual(all.alerts.map((a) => [a.id, a.rule, a.principal, a.acknowledgedAt]), [[second.id, 'mass-delete', 'eve', null], [first.id, 'failed-logins', 'mallory', null]]);
    assert.deepEqual(jsonOf(ok(await runBerth(['alert', 'ack', first.id, '--json'], { env: admin }))), { acknowledged: first.id });
    const open = jsonOf<{ alerts: Array<{ id: string }> }>(ok(await runBerth(['alert', 'list', '--unacknowledged', '--json'], { env: admin })));
    assert.deepEqual(open.alerts.map((a) => a.id), [second.id]);
    const table = ok(await runBerth(['alert', 'list'], { env: admin }));
    assert.match(table.stdout, new RegExp(`\\n${first.id}\\s+\\S+\\s+failed-logins\\s+mallory\\s+\\S+ by admin\\s+\\{"count":12\\}`));
    fails(await runBerth(['alert', 'ack', '999999'], { env: admin }), 5, /acknowledge alert 999999: .*HTTP 404/);
    fails(await runBerth(['alert', 'list'], { env: bob }), 4, /HTTP 403/);
  });

  it('exit 4: no credentials (with a hint), wrong password, not allowed', async () => {
    const anonymous = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: configHome };
    fails(await runBerth(['user', 'list'], { env: anonymous }), 4, /HTTP 401\) \(log in with "berth login" or set BERTH_USER\/BERTH_PASSWORD\)/);
    const wrong = 'not-the-password-77';
    const run = await runBerth(['whoami'], { env: { ...admin, BERTH_PASSWORD: wrong } });
    fails(run, 4, /credentials of admin for .* were refused/);
    assert.ok(!run.stderr.includes(wrong));
    fails(await runBerth(['team', 'create', 'rogue'], { env: bob }), 4, /HTTP 403/);
    fails(await runBerth(['user', 'passwd', '--password-stdin'], { env: anonymous, stdin: 'whatever-password' }), 4, /not signed in/);
  });

  it('exit 5: users, teams, projects and robots that do not exist (or cannot be seen)', async () => {
    fails(await runBerth(['user', 'show', 'nobody'], { env: admin }), 5, /^berth: user nobody: user not found \(RESOURCE_UNKNOWN\) \(HTTP 404\)/);
    fails(await runBerth(['user', 'delete', 'nobody'], { env: admin }), 5, /HTTP 404/);
    fails(await runBerth(['team', 'members', 'ghosts'], { env: admin }), 5, /HTTP 404/);
    fails(await runBerth(['robot', 'show', 'ghost', '--project', 'shop'], { env: admin }), 5, /robot robot\$shop\+ghost: not found/);
    fails(await runBerth(['robot', 'delete', 'robot$ghost'], { env: admin }), 5, /HTTP 404/);
    // Bob is no member of shop any more: for him it does not exist.
    fails(await runBerth(['project', 'show', 'shop'], { env: bob }), 5, /HTTP 404/);
  });

  it('exit 1: a name that is taken', async () => {
    fails(await runBerth(['user', 'create', 'bob', '--password-stdin'], { env: admin, stdin: 'another-password-1' }), 1, /HTTP 409/);
  });

  it('exit 2: bad names and options are refused before any request', async () => {
    // Nothing listens here: a command that made a request would exit 3.
    const env = { BERTH_SERVER: await closedPort(), XDG_CONFIG_HOME: configHome, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    const cases: Array<[string[], RegExp, string?]> = [
      [['user', 'show', 'Bad Name'], /invalid user name "Bad Name"/],
      [['user', 'create', 'carol'], /--password-stdin/],
      [['user', 'create', 'carol', '--password-stdin'], /password must be at least 8 characters/, 'short'],
      [['user', 'update', 'bob'], /nothing to change/],
      [['user', 'update', 'bob', '--disable', '--enable'], /not both/],
      [['team', 'create', 'bad_'], /invalid team name "bad_"/],
      [['team', 'add-member', 'ok', 'UPPER'], /invalid user name/],
      [['project', 'create', 'Shop'], /invalid project name/],
      [['project', 'update', 'shop'], /nothing to change/],
      [['project', 'grant', 'shop', '--user', 'bob', '--team', 'x', '--role', 'developer'], /exactly one of --user NAME or --team NAME/],
      [['project', 'grant', 'shop', '--user', 'bob', '--role', 'king'], /--role must be one of guest, developer, maintainer, owner/],
      [['project', 'grant', 'shop', '--user', 'bob', '--role', 'guest', '--pattern', 'a/**b'], /invalid repository pattern/],
      [['robot', 'create', 'ci', '--project', 'shop'], /at least one --permission/],
      [['robot', 'create', 'ci', '--permission', 'shop/**'], /invalid --permission/],
      [['robot', 'create', 'ci', '--permission', '**:pull', '--expires', 'someday'], /invalid --expires "someday"/],
      [['robot', 'show', 'robot$shop+ci', '--project', 'other'], /not a robot of project other/],
      [['ip-rule', 'add', '--allow', '10.0.0.1/8'], /invalid CIDR "10.0.0.1\/8": address has bits set beyond the prefix/],
      [['ip-rule', 'add', '--allow', '10.0.0.0/8', '--deny', '10.1.0.0/16'], /exactly one of --allow CIDR or --deny CIDR/],
      [['audit', 'list', '--from', 'yesterday'], /invalid --from "yesterday"/],
      [['audit', 'list', '--result', 'maybe'], /--result must be one of success, failure, denied/],
      [['audit', 'list', '--limit', '0'], /--limit must be a positive integer/],
      [['alert', 'ack', '../x'], /invalid alert id/],
      [['user', 'show'], /missing required argument 'USERNAME'/],
      [['user', 'frobnicate'], /unknown command 'frobnicate'/],
      [['robot', 'list', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, stderr, stdin] of cases) {
      const run = await runBerth(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
      assert.equal(run.code, 2, `berth ${args.join(' ')}: exit ${run.code}\n${run.stderr}`);
      assert.match(run.stderr, stderr, `berth ${args.join(' ')}`);
    }
    const noServer = await runBerth(['user', 'list'], { env: { XDG_CONFIG_HOME: configHome } });
    fails(noServer, 2, /no server: pass --server URL or set BERTH_SERVER/);
    fails(await runBerth(['whoami'], { env }), 3, /cannot reach/);
  });

  it('--help documents arguments, examples and exit codes, and exits 0', async () => {
    for (const args of [['user', 'create'], ['project', 'grant'], ['robot', 'create'], ['ip-rule', 'add'], ['audit', 'verify'], ['alert', 'ack'], ['whoami']]) {
      const run = ok(await runBerth([...args, '--help']));
      assert.match(run.stdout, /^Usage: berth /, args.join(' '));
      assert.match(run.stdout, /Exampl/, args.join(' '));
      assert.match(run.stdout, /Exit codes:\n  0  /, args.join(' '));
    }
  });
});
