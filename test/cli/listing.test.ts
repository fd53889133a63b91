import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { pushImage } from '../helpers/oci-client.ts';
import { jsonOf, runBerth } from './run-berth.ts';

describe('berth repos and tags', () => {
  let berth: TestBerth;
  let configHome: string;
  let env: Record<string, string>;
  const repos = ['alpha/app', 'beta/app', 'gamma/app', 'delta/app', 'epsilon/app'];

  before(async () => {
    berth = await startTestBerth({}, { open: true });
    configHome = await mkdtemp(join(tmpdir(), 'berth-cli-home-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: configHome };
    for (const repo of repos) await pushImage(berth.url, repo, 'v1');
    for (const tag of ['v2', 'v3', 'v4', 'v5']) await pushImage(berth.url, 'alpha/app', tag);
  });
  after(async () => {
    await berth.stop();
    await rm(configHome, { recursive: true, force: true });
  });

  it('lists every repository across catalog pages', async () => {
    const run = await runBerth(['repos', '--json', '--page-size', '2'], { env });
    assert.equal(run.code, 0, run.stderr);
    const host = new URL(berth.url).host;
    assert.deepEqual(jsonOf(run), { registry: host, repositories: [...repos].sort() });
  });

  it('prints one repository a line for people', async () => {
    const run = await runBerth(['repos'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [...repos].sort());
  });

  it('lists every tag across pages, with --server instead of BERTH_SERVER', async () => {
    const run = await runBerth(['tags', 'alpha/app', '--json', '--page-size', '2', '--server', berth.url], { env: { XDG_CONFIG_HOME: configHome } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(jsonOf(run).tags, ['v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('accepts a full host:port/name reference for the same registry', async () => {
    const run = await runBerth(['tags', `${new URL(berth.url).host}/beta/app`, '--json'], { env: { XDG_CONFIG_HOME: configHome } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(jsonOf(run).tags, ['v1']);
  });

  it('exits 5 with the registry error for an unknown repository', async () => {
    const run = await runBerth(['tags', 'nobody/here'], { env });
    assert.equal(run.code, 5);
    assert.match(run.stderr, /NAME_UNKNOWN/);
    assert.equal(run.stdout, '');
  });

  it('exits 2 without a server, or for an invalid reference or option', async () => {
    const noServer = await runBerth(['repos'], { env: { XDG_CONFIG_HOME: configHome } });
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /--server URL or set BERTH_SERVER/);
    const badRef = await runBerth(['tags', 'Not/Valid'], { env });
    assert.equal(badRef.code, 2);
    assert.match(badRef.stderr, /invalid repository name/);
    const badOption = await runBerth(['repos', '--page-size', 'lots'], { env });
    assert.equal(badOption.code, 2);
    const missingArgument = await runBerth(['tags'], { env });
    assert.equal(missingArgument.code, 2);
  });

  it('exits 3 when the server cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const run = await runBerth(['repos', '--json'], { env: { BERTH_SERVER: `http://127.0.0.1:${port}`, XDG_CONFIG_HOME: configHome } });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('documents its exit codes in --help', async () => {
    const run = await runBerth(['tags', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Exit codes:\n\s+0 .*\n[\s\S]*\s+5\s+the repository, tag or digest does not exist/);
    assert.match(run.stdout, /--json/);
  });
});
