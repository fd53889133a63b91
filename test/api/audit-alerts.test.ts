import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { readAuditJsonLines } from '../../src/audit/audit-export.ts';
import { verifyChain } from '../../src/audit/audit-verify.ts';
import { expectBadField, expectProblem, expectStatus, startApiFixture, twoProjects, type ApiFixture, type Caller } from './api-client.ts';

type Event = { seq: number; action: string; actorName: string; project: string | null; result: string; detail: Record<string, unknown> | null };

describe('REST API: audit', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let ownerA: Caller;
  let devA: Caller;
  let ownerB: Caller;
  const flush = () => f.berth.auth.audit.flush();
  before(async () => {
    f = await startApiFixture();
    ({ ownerA, devA, ownerB } = await twoProjects(f));
    expectStatus(await ownerA('POST', '/projects/alpha/robots', { name: 'ci', permissions: [{ pattern: 'alpha/**', actions: ['pull'] }] }), 201);
    expectStatus(await ownerB('PATCH', '/projects/beta', { isPublic: true }), 200);
    await flush();
  });
  after(() => f?.stop());

  it('records every change with its actor, project and action', async () => {
    const res = await f.admin('GET', '/audit?limit=500');
    expectStatus(res, 200);
    const events: Event[] = res.body.items;
    const changes = events.filter((e) => !e.action.startsWith('auth.')).map((e) => `${e.actorName} ${e.action} ${e.project ?? '-'}`).reverse();
    assert.deepEqual(changes, [
      'admin user.create -',
      'admin user.create -',
      'admin user.create -',
      'admin user.create -',
      'admin project.create alpha',
      'admin project.create beta',
      'admin project.create pub',
      'admin member.grant alpha',
      'admin member.grant alpha',
      'admin member.grant beta',
      'owner-a robot.create alpha',
      'owner-b project.update beta',
    ]);
    for (const e of events) assert.equal(JSON.stringify(e).includes('$argon2'), false);
    assert.deepEqual(events.find((e) => e.action === 'member.grant' && e.detail?.user === 'dev-a')?.detail, { user: 'dev-a', role: 'developer', pattern: '**' });
  });

  it('filters by action, actor, project, result and time, newest first, paged by cursor', async () => {
    const grants = await f.admin('GET', '/audit?action=member.grant');
    assert.deepEqual(grants.body.items.map((e: Event) => e.project), ['beta', 'alpha', 'alpha']);
    const byOwnerB = await f.admin('GET', '/audit?actor=owner-b&result=success');
    assert.deepEqual(byOwnerB.body.items.map((e: Event) => e.action).filter((a: string) => !a.startsWith('auth.')), ['project.update']);
    const inBeta = await f.admin('GET', '/audit?project=beta');
    assert.deepEqual(inBeta.body.items.map((e: Event) => e.action), ['project.update', 'member.grant', 'project.create']);
    assert.deepEqual((await f.admin('GET', '/audit?result=denied')).body.items, []);
    assert.deepEqual((await f.admin('GET', '/audit?to=2000-01-01T00:00:00Z')).body.items, []);
    assert.equal((await f.admin('GET', '/audit?from=2000-01-01T00:00:00Z&project=beta')).body.items.length, 3);

    const first = await f.admin('GET', '/audit?project=alpha&limit=2');
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.next);
    const rest = await f.admin('GET', `/audit?project=alpha&limit=50&cursor=${first.body.next}`);
    const all = await f.admin('GET', '/audit?project=alpha&limit=50');
    assert.deepEqual([...first.body.items, ...rest.body.items].map((e: Event) => e.seq), all.body.items.map((e: Event) => e.seq));
    assert.equal(rest.body.next, null);

    expectBadField(await f.admin('GET', '/audit?result=maybe'), 'query.result');
    expectBadField(await f.admin('GET', '/audit?from=yesterday'), 'query.from');
    expectBadField(await f.admin('GET', '/audit?cursor=abc'), 'query.cursor');
  });

  it("a project's owners read only that project's events; others get 403 or 404", async () => {
    const own = await ownerA('GET', '/audit?project=alpha');
    expectStatus(own, 200);
    assert.ok(own.body.items.length > 0);
    assert.ok(own.body.items.every((e: Event) => e.project === 'alpha'));
    expectProblem(await ownerA('GET', '/audit'), 403, 'DENIED');
    expectProblem(await ownerA('GET', '/audit?project=beta'), 403, 'DENIED'); // beta is public: visible, not theirs
    expectProblem(await ownerB('GET', '/audit?project=alpha'), 404, 'RESOURCE_UNKNOWN');
    expectProblem(await devA('GET', '/audit?project=alpha'), 403, 'DENIED');
    expectProblem(await f.anonymous('GET', '/audit'), 401, 'UNAUTHORIZED');
    expectProblem(await ownerA('GET', '/audit?project=alpha&format=jsonl&project=beta'), 403, 'DENIED');
  });

  it('format=jsonl streams the export, which verifies as a chain', async () => {
    const res = await f.admin('GET', '/audit?format=jsonl');
    expectStatus(res, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/jsonl/);
    const lines = res.text.trimEnd().split('\n');
    const events = [];
    for await (const e of readAuditJsonLines(Readable.from([res.text]))) events.push(e);
    assert.equal(events.length, lines.length);
    assert.equal(events[0]!.seq, 1);
    assert.deepEqual(events.map((e) => e.seq), events.map((_e, i) => i + 1));
    const verdict = await verifyChain((async function* () { yield* events; })(), '');
    assert.equal(verdict.ok, true, verdict.reason);

    const owners = await ownerA('GET', '/audit?project=alpha&format=jsonl');
    expectStatus(owners, 200);
    const ownerLines = owners.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Event);
    assert.ok(ownerLines.length > 0 && ownerLines.every((e) => e.project === 'alpha'));
    assert.deepEqual(ownerLines.map((e) => e.seq), [...ownerLines.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('/audit/verify recomputes the chain (admins only) and finds tampering', async () => {
    await flush();
    const ok = await f.admin('GET', '/audit/verify');
    expectStatus(ok, 200);
    assert.equal(ok.body.ok, true);
    assert.ok(ok.body.checked > 10);
    expectProblem(await ownerA('GET', '/audit/verify'), 403, 'DENIED');
    expectProblem(await f.anonymous('GET', '/audit/verify'), 401, 'UNAUTHORIZED');

    // Someone with database access rewrites who did something.
    const db = new Database(join(f.berth.dataDir, 'berth.db'));
    try {
      db.prepare("update audit_events set actor_name = 'nobody' where seq = 3").run();
    } finally {
      db.close();
    }
    const bad = await f.admin('GET', '/audit/verify');
    expectStatus(bad, 200);
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.firstBadSeq, 3);
    assert.equal(bad.body.checked, 2);
    assert.equal(bad.body.problem, 'hash-mismatch');
  });
});

describe('REST API: alerts', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  let user: Caller;
  const ids: string[] = [];
  before(async () => {
    f = await startApiFixture();
    user = await f.user('plain');
    for (const [i, rule] of ['failed-logins', 'mass-delete', 'failed-logins'].entries()) {
      ids.push((await f.berth.meta.alerts.record({ at: Date.now() + i, rule, principal: 'mallory', detail: { count: 10 + i } })).id);
    }
  });
  after(() => f?.stop());

  it('lists alerts newest first, pages them, acknowledges each once', async () => {
    const listed = await f.admin('GET', '/alerts');
    expectStatus(listed, 200);
    assert.deepEqual(listed.body.items.map((a: { id: string }) => a.id), [...ids].reverse());
    assert.deepEqual(listed.body.items[0].detail, { count: 12 });
    assert.equal(listed.body.items[0].acknowledgedAt, null);

    const page = await f.admin('GET', '/alerts?limit=2');
    assert.equal(page.body.items.length, 2);
    assert.deepEqual((await f.admin('GET', `/alerts?limit=2&cursor=${page.body.next}`)).body.items.map((a: { id: string }) => a.id), [ids[0]]);

    expectStatus(await f.admin('POST', `/alerts/${ids[1]}/acknowledge`), 204);
    expectProblem(await f.admin('POST', `/alerts/${ids[1]}/acknowledge`), 409, 'CONFLICT');
    expectProblem(await f.admin('POST', '/alerts/00000000-0000-7000-8000-000000000000/acknowledge'), 404, 'RESOURCE_UNKNOWN');
    const acked = (await f.admin('GET', '/alerts')).body.items.find((a: { id: string }) => a.id === ids[1]);
    assert.equal(acked.acknowledgedBy, 'admin');
    assert.match(acked.acknowledgedAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual((await f.admin('GET', '/alerts?unacknowledged=true')).body.items.map((a: { id: string }) => a.id), [ids[2], ids[0]]);
    expectBadField(await f.admin('GET', '/alerts?unacknowledged=perhaps'), 'query.unacknowledged');
  });

  it('alerts are for admins only', async () => {
    expectProblem(await user('GET', '/alerts'), 403, 'DENIED');
    expectProblem(await user('POST', `/alerts/${ids[0]}/acknowledge`), 403, 'DENIED');
    expectProblem(await f.anonymous('GET', '/alerts'), 401, 'UNAUTHORIZED');
  });
});
