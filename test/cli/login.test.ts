import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { pushImage } from '../helpers/oci-client.ts';
import { REGISTRY_USER, startAuthRegistry, type AuthRegistry } from './auth-registry.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

const { username, password } = REGISTRY_USER;

function assertNoPassword(run: CliRun, secret: string = password): void {
  assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `the password leaked:\n${run.stdout}\n${run.stderr}`);
}

describe('berth login against a registry with Basic auth (htpasswd)', () => {
  let registry: AuthRegistry;
  let configHome: string;
  let env: Record<string, string>;
  let credentialsFile: string;

  before(async () => {
    registry = await startAuthRegistry('htpasswd');
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    env = { XDG_CONFIG_HOME: configHome };
    credentialsFile = join(configHome, 'berth', 'credentials.json');
  });
  after(async () => {
    await registry.stop();
    await rm(configHome, { recursive: true, force: true });
  });

  it('is denied (exit 4) before logging in, with a hint', async () => {
    const run = await runBerth(['repos', registry.host], { env });
    assert.equal(run.code, 4);
    assert.match(run.stderr, new RegExp(`berth login ${registry.host}`));
  });

  it('refuses a wrong password (exit 4) and saves nothing', async () => {
    const wrong = 'wrong-password-123';
    const run = await runBerth(['login', registry.host, '--username', username, '--password-stdin'], { env, stdin: `${wrong}\n` });
    assert.equal(run.code, 4);
    assertNoPassword(run, wrong);
    await assert.rejects(stat(credentialsFile), { code: 'ENOENT' });
  });

  it('needs --password-stdin when stdin is not a terminal (exit 2)', async () => {
    const run = await runBerth(['login', registry.host, '--username', username], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--password-stdin/);
  });

  it('saves verified credentials in a 0600 file and never prints the password', async () => {
    const run = await runBerth(['login', registry.url, '--username', username, '--password-stdin', '--json'], { env, stdin: `${password}\n` });
    assert.equal(run.code, 0, run.stderr);
    assertNoPassword(run);
    assert.deepEqual(jsonOf(run), { server: registry.host, username, credentialsFile });
    assert.equal((await stat(credentialsFile)).mode & 0o777, 0o600);
    assert.equal((await stat(join(configHome, 'berth'))).mode & 0o777, 0o700);
    const saved = JSON.parse(await readFile(credentialsFile, 'utf8')) as { auths: Record<string, { username: string; password: string }> };
    assert.deepEqual(saved.auths[registry.host], { username, password });
  });

  it('uses the saved login for later commands, and logout forgets it', async () => {
    const repos = await runBerth(['repos', registry.host, '--json'], { env });
    assert.equal(repos.code, 0, repos.stderr);
    assert.deepEqual(jsonOf(repos), { registry: registry.host, repositories: [] });

    const logout = await runBerth(['logout', registry.host, '--json'], { env });
    assert.equal(logout.code, 0, logout.stderr);
    assert.deepEqual(jsonOf(logout), { server: registry.host, removed: true });
    assert.equal((await stat(credentialsFile)).mode & 0o777, 0o600);
    const again = await runBerth(['logout', registry.host, '--json'], { env });
    assert.equal(jsonOf(again).removed, false);
    assert.equal((await runBerth(['repos', registry.host], { env })).code, 4);
  });

  it('takes BERTH_USER/BERTH_PASSWORD for the configured server', async () => {
    const ok = await runBerth(['repos', '--json'], { env: { ...env, BERTH_SERVER: registry.url, BERTH_USER: username, BERTH_PASSWORD: password } });
    assert.equal(ok.code, 0, ok.stderr);
    assertNoPassword(ok);
    const bad = await runBerth(['repos'], { env: { ...env, BERTH_SERVER: registry.url, BERTH_USER: username, BERTH_PASSWORD: 'not-the-password-42' } });
    assert.equal(bad.code, 4);
    assertNoPassword(bad, 'not-the-password-42');
  });
});

describe('berth against a registry with Docker token auth', () => {
  let registry: AuthRegistry;
  let berth: TestBerth;
  let configHome: string;
  let env: Record<string, string>;

  before(async () => {
    [registry, berth] = await Promise.all([startAuthRegistry('token'), startTestBerth({}, { open: true })]);
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    env = { XDG_CONFIG_HOME: configHome, BERTH_SERVER: berth.url };
  });
  after(async () => {
    await Promise.all([registry.stop(), berth.stop()]);
    await rm(configHome, { recursive: true, force: true });
  });

  it('logs in through the token service, then copies, mounts and lists with scoped tokens', async () => {
    const wrong = await runBerth(['login', registry.host, '-u', username, '--password-stdin'], { env, stdin: 'bad-password-77' });
    assert.equal(wrong.code, 4);
    assertNoPassword(wrong, 'bad-password-77');

    const login = await runBerth(['login', registry.host, '-u', username, '--password-stdin'], { env, stdin: password });
    assert.equal(login.code, 0, login.stderr);
    assertNoPassword(login);

    const image = await pushImage(berth.url, 'app/web', 'v1', ['token layer']);
    const copy = await runBerth(['copy', 'app/web:v1', `${registry.host}/team/web:v1`, '--json'], { env });
    assert.equal(copy.code, 0, copy.stderr);
    assert.equal(jsonOf(copy).digest, image.digest);
    // Distribution lists a scope's actions in map order: "pull,push" or "push,pull".
    const pushScope = registry.issuer!.requests.find(
      (r) => r.user === username && r.scopes.some((s) => s.startsWith('repository:team/web:') && s.split(':')[2]!.split(',').includes('push')),
    );
    assert.ok(pushScope, `no push token was asked for: ${JSON.stringify(registry.issuer!.requests)}`);

    const mount = await runBerth(['copy', `${registry.host}/team/web:v1`, `${registry.host}/team/web2:v1`, '--json'], { env });
    assert.equal(mount.code, 0, mount.stderr);
    assert.deepEqual(jsonOf(mount).blobs, { copied: 0, mounted: 2, skipped: 0 });

    const inspect = await runBerth(['inspect', `${registry.host}/team/web2:v1`, '--raw'], { env });
    assert.equal(inspect.stdout, image.manifest);
    for (const run of [copy, mount, inspect]) assertNoPassword(run);
  });
});
