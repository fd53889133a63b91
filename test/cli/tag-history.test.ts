import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBasicAuthorization } from '../../src/auth/credentials.ts';
import { RegistryClient } from '../../src/cli/registry-client.ts';
import { pushBuilt } from '../../src/image/source-test-kit.ts';
import type { HistoryItem } from '../../src/cli/tag.command.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { testImage } from '../helpers/test-image.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

function exits(run: CliRun, code: number): CliRun {
  assert.equal(run.code, code, `expected exit ${code}, got ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

type Move = HistoryItem;

describe('berth tag history, berth rollback, berth tag restore', { timeout: 600_000 }, () => {
  let berth: TestBerth;
  let dir: string;
  let env: Record<string, string>;
  const digests: string[] = [];

  const tagDigest = async (tag: string): Promise<string | null> => {
    const res = await fetch(`${berth.url}/v2/shop/api/manifests/${tag}`, {
      method: 'HEAD',
      headers: { authorization: formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD), accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    return res.status === 200 ? res.headers.get('docker-content-digest') : null;
  };

  before(async () => {
    berth = await startTestBerth();
    dir = await mkdtemp(join(tmpdir(), 'berth-cli-history-'));
    env = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: dir, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    const client = new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    for (const release of ['one', 'two', 'three']) {
      const image = await testImage().layer({ 'srv/release': release }).build(join(dir, release), 'prod');
      await pushBuilt(client, 'shop/api', image, 'prod');
      digests.push(image.manifest.digest);
    }
  });
  after(async () => {
    await berth?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('tag history prints the moves newest first, as a table or JSON, and --limit keeps the most recent', async () => {
    const [one, two, three] = digests;
    const json = jsonOf<{ repository: string; tag: string; items: Move[] }>(exits(await runBerth(['tag', 'history', 'shop/api:prod', '--json'], { env }), 0));
    assert.equal(json.repository, 'shop/api');
    assert.equal(json.tag, 'prod');
    assert.deepEqual(json.items.map((m) => [m.from, m.to, m.how, m.actor]), [[two, three, 'push', 'admin'], [one, two, 'push', 'admin'], [null, one, 'push', 'admin']]);
    const limited = jsonOf<{ items: Move[] }>(exits(await runBerth(['tag', 'history', 'shop/api:prod', '--limit', '1', '--json'], { env }), 0));
    assert.deepEqual(limited.items.map((m) => m.to), [three]);
    const table = exits(await runBerth(['tag', 'history', `${new URL(berth.url).host}/shop/api:prod`], { env }), 0).stdout.trim().split('\n');
    assert.match(table[0]!, /^AT\s+HOW\s+ACTOR\s+FROM\s+TO$/);
    assert.equal(table.length, 4);
    assert.match(table[3]!, new RegExp(`push\\s+admin\\s+-\\s+${one}$`));
  });

  it('rollback goes back one digest, --steps further, --to a chosen one; bad usage exits 2 before any move', async () => {
    const [one, two, three] = digests;
    const text = exits(await runBerth(['rollback', 'shop/api:prod'], { env }), 0);
    assert.equal(text.stdout.trim(), `Rolled back shop/api:prod from ${three} to ${two}`);
    assert.equal(await tagDigest('prod'), two);
    const steps = jsonOf<{ from: string; to: string; warnings: string[] }>(exits(await runBerth(['rollback', 'shop/api:prod', '--steps', '1', '--json'], { env }), 0));
    assert.deepEqual(steps, { repository: 'shop/api', tag: 'prod', from: two, to: one, warnings: [] });
    exits(await runBerth(['rollback', 'shop/api:prod', '--to', three!], { env }), 0);
    assert.equal(await tagDigest('prod'), three);

    assert.match(exits(await runBerth(['rollback', 'shop/api:prod', '--to', 'sha256:short'], { env }), 2).stderr, /invalid --to/);
    assert.match(exits(await runBerth(['rollback', 'shop/api:prod', '--steps', '0'], { env }), 2).stderr, /invalid --steps/);
    assert.match(exits(await runBerth(['rollback', 'shop/api:prod', '--steps', '1', '--to', one!], { env }), 2).stderr, /either --to or --steps/);
    assert.match(exits(await runBerth(['rollback', 'shop/api'], { env }), 2).stderr, /REPO:TAG/);
    assert.match(exits(await runBerth(['rollback', 'elsewhere.example:5000/shop/api:prod'], { env }), 2).stderr, /not on the server/);
    // The server's refusal: more steps than the history holds is a 400.
    assert.match(exits(await runBerth(['rollback', 'shop/api:prod', '--steps', '50'], { env }), 2).stderr, /earlier digest/);
    exits(await runBerth(['rollback', 'shop/api:missing'], { env }), 5);
    exits(await runBerth(['rollback', 'shop/api:prod'], { env: { ...env, BERTH_PASSWORD: 'wrong' } }), 4);
    assert.equal(await tagDigest('prod'), three);
    const moves = jsonOf<{ items: Move[] }>(exits(await runBerth(['tag', 'history', 'shop/api:prod', '--json'], { env }), 0)).items;
    assert.deepEqual(moves.slice(0, 3).map((m) => [m.from, m.to, m.how]), [[one, three, 'rollback'], [two, one, 'rollback'], [three, two, 'rollback']]);
  });

  it('tag restore brings a deleted tag back; restoring an existing tag exits 1', async () => {
    const current = await tagDigest('prod');
    const del = await fetch(`${berth.url}/v2/shop/api/manifests/prod`, { method: 'DELETE', headers: { authorization: formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD) } });
    assert.equal(del.status, 202);
    exits(await runBerth(['rollback', 'shop/api:prod'], { env }), 5);
    const restored = jsonOf<{ from: string | null; to: string }>(exits(await runBerth(['tag', 'restore', 'shop/api:prod', '--json'], { env }), 0));
    assert.deepEqual([restored.from, restored.to], [null, current]);
    assert.equal(await tagDigest('prod'), current);
    assert.match(exits(await runBerth(['tag', 'restore', 'shop/api:prod'], { env }), 1).stderr, /exists/);
    exits(await runBerth(['tag', 'restore', 'shop/api:never'], { env }), 5);
  });

  it('--help documents the exit codes and the JSON shape', async () => {
    const help = exits(await runBerth(['rollback', '--help']), 0).stdout;
    assert.match(help, /Exit codes:/);
    assert.match(help, /--steps <N>/);
    assert.match(help, /--json prints/);
    assert.match(exits(await runBerth(['tag', 'history', '--help']), 0).stdout, /Exit codes:/);
    assert.match(exits(await runBerth(['tag', 'restore', '--help']), 0).stdout, /historyWindow/);
  });
});
