import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readAuditJsonLines } from '../../src/audit/audit-export.ts';
import { verifyChain } from '../../src/audit/audit-verify.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD, type TestBerth } from '../helpers/berth-server.ts';
import { jsonOf, runBerth, type CliRun } from './run-berth.ts';

type Event = { seq: number; at: string; action: string; actorName: string; project: string | null; result: string; hash: string; prevHash: string };

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

const linesOf = (text: string): Event[] => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Event);

describe('berth audit list, export and verify', { timeout: 1_200_000 }, () => {
  let berth: TestBerth;
  let workDir: string;
  let admin: Record<string, string>;
  let owner: Record<string, string>;
  const flush = () => berth.auth.audit.flush();

  before(async () => {
    berth = await startTestBerth();
    workDir = await mkdtemp(join(tmpdir(), 'berth-cli-audit-'));
    admin = { BERTH_SERVER: berth.url, XDG_CONFIG_HOME: workDir, BERTH_USER: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD };
    owner = { ...admin, BERTH_USER: 'olga', BERTH_PASSWORD: 'olga-password-1234' };
    ok(await runBerth(['user', 'create', 'olga', '--password-stdin'], { env: admin, stdin: owner.BERTH_PASSWORD }));
    for (const project of ['red', 'blue']) ok(await runBerth(['project', 'create', project], { env: admin }));
    ok(await runBerth(['project', 'grant', 'red', '--user', 'olga', '--role', 'owner'], { env: admin }));
    ok(await runBerth(['project', 'update', 'red', '--public'], { env: owner }));
    ok(await runBerth(['team', 'create', 'ops'], { env: admin }));
    await flush();
  });
  after(async () => {
    await berth?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('lists events newest first with filters, as JSON and as a table', async () => {
    const creates = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--action', 'project.create', '--json'], { env: admin })));
    assert.deepEqual(creates.events.map((e) => [e.actorName, e.project]), [['admin', 'blue'], ['admin', 'red']]);
    assert.ok(creates.events[0]!.seq > creates.events[1]!.seq);

    const byOlga = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--actor', 'olga', '--result', 'success', '--from', '1h', '--json'], { env: admin })));
    assert.deepEqual(byOlga.events.map((e) => e.action).filter((a) => !a.startsWith('auth.')), ['project.update']);
    const future = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--from', '2999-01-01', '--json'], { env: admin })));
    assert.deepEqual(future.events, []);
    const past = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--to', '2000-01-01T00:00:00Z', '--json'], { env: admin })));
    assert.deepEqual(past.events, []);

    const table = ok(await runBerth(['audit', 'list', '--project', 'red'], { env: admin }));
    const rows = table.stdout.trimEnd().split('\n');
    assert.match(rows[0]!, /^SEQ\s+TIME\s+ACTOR\s+ACTION\s+PROJECT\s+REPOSITORY\s+RESULT$/);
    assert.deepEqual(rows.slice(1).map((r) => r.split(/\s+/).slice(2).join(' ')), [
      'olga project.update red - success',
      'admin member.grant red - success',
      'admin project.create red - success',
    ]);
  });

  it('follows cursors up to --limit', async () => {
    const everything = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--limit', '500', '--json'], { env: admin }))).events;
    assert.ok(everything.length > 7, `only ${everything.length} events`);
    const paged = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--limit', '7', '--page-size', '2', '--json'], { env: admin }))).events;
    assert.deepEqual(paged.map((e) => e.seq), everything.slice(0, 7).map((e) => e.seq));
  });

  it('lets a project owner read only their project, and refuses the whole log (exit 4)', async () => {
    const red = jsonOf<{ events: Event[] }>(ok(await runBerth(['audit', 'list', '--project', 'red', '--json'], { env: owner }))).events;
    assert.ok(red.length >= 3 && red.every((e) => e.project === 'red'));
    const all = await runBerth(['audit', 'list'], { env: owner });
    assert.equal(all.code, 4);
    assert.match(all.stderr, /only administrators may read the whole audit log/);
    assert.equal((await runBerth(['audit', 'list', '--project', 'blue'], { env: owner })).code, 5);
    assert.equal((await runBerth(['audit', 'verify'], { env: owner })).code, 4);
  });

  it('exports JSON lines oldest first to a file (verifiable offline) and to stdout', async () => {
    await flush();
    const file = join(workDir, 'audit.jsonl');
    const run = ok(await runBerth(['audit', 'export', '--output', file, '--json'], { env: admin }));
    const text = await readFile(file, 'utf8');
    const events = linesOf(text);
    assert.deepEqual(jsonOf(run), { output: file, events: events.length });
    assert.deepEqual(events.map((e) => e.seq), events.map((e) => e.seq).sort((a, b) => a - b));
    assert.equal(events[0]!.seq, 1);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(workDir)).filter((f) => f.endsWith('.partial')), []);
    // The file alone proves the chain: each line's hash covers the line before it.
    const verdict = await verifyChain(readAuditJsonLines(Readable.from([text])), '');
    assert.equal(verdict.ok, true);
    assert.equal(verdict.checked, events.length);

    const stdout = ok(await runBerth(['audit', 'export', '--project', 'red'], { env: admin }));
    const red = linesOf(stdout.stdout);
    assert.deepEqual(red.map((e) => e.action), ['project.create', 'member.grant', 'project.update']);
    assert.deepEqual(red.map((e) => e.hash), events.filter((e) => e.project === 'red').map((e) => e.hash));
  });

  it('shows export progress on a terminal only', async () => {
    const file = join(workDir, 'tty.jsonl');
    const run = ok(await runBerth(['audit', 'export', '--output', file], { env: admin, isTerminal: true }));
    assert.match(run.stdout, /audit export\s+[\d.]+ (B|KiB)\s+done/);
    assert.match(run.stdout, /Exported \d+ audit events to /);
    const piped = ok(await runBerth(['audit', 'export', '--output', file], { env: admin }));
    assert.equal(piped.stderr, '');
  });

  it('verify exits 0 on an intact chain and 1 with the first bad seq after a row is edited', async () => {
    const good = ok(await runBerth(['audit', 'verify'], { env: admin }));
    assert.match(good.stdout, /^Audit chain verified: \d+ events/);
    const goodJson = jsonOf(ok(await runBerth(['audit', 'verify', '--json'], { env: admin })));
    assert.equal(goodJson.ok, true);
    // The tamper step below edits seq 4, so the chain must reach past it.
    assert.ok((goodJson.checked as number) > 4, JSON.stringify(goodJson));

    await flush();
    // Someone with database access rewrites who did something.
    const db = new Database(join(berth.dataDir, 'berth.db'));
    try {
      const changed = db.prepare("update audit_events set actor_name = 'nobody' where seq = 4").run();
      assert.equal(changed.changes, 1);
    } finally {
      db.close();
    }
    const bad = await runBerth(['audit', 'verify'], { env: admin });
    assert.equal(bad.code, 1, bad.stderr);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^berth: audit chain broken at seq 4 \(3 events verified before it\): hash-mismatch/);
    const badJson = await runBerth(['audit', 'verify', '--json'], { env: admin });
    assert.equal(badJson.code, 1);
    const verdict = jsonOf(badJson);
    assert.deepEqual([verdict.ok, verdict.firstBadSeq, verdict.checked, verdict.problem], [false, 4, 3, 'hash-mismatch']);
  });
});
