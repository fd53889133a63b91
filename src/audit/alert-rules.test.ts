import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import type { AuditEventInput } from '../meta/identity-store.ts';
import { AlertEngine, DEFAULT_ALERT_RULES, parseAlertRules, type FiredAlert } from './alert-rules.ts';
import { auditEvent } from './audit-test-kit.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2030, 0, 1);

const failedLogin = (over: Partial<AuditEventInput> = {}) =>
  auditEvent({ action: 'auth.login', result: 'failure', actorKind: 'anonymous', repository: null, project: null, reference: null, ...over });

/** Observes every event, returning all alerts fired, in order. */
function feed(engine: AlertEngine, events: AuditEventInput[]): FiredAlert[] {
  return events.flatMap((event) => engine.observe(event));
}

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe('AlertEngine with the default rules', () => {
  it('fires once when an account passes 10 failed logins in 5 minutes, then stays quiet through the burst', () => {
    const engine = new AlertEngine();
    const attempts = times(10, (i) => failedLogin({ actorName: 'alice', sourceIp: `203.0.113.${i}`, at: T0 + i * 20_000 }));
    assert.deepEqual(feed(engine, attempts), []);
    const eleventh = engine.observe({ ...failedLogin({ actorName: 'alice', sourceIp: '203.0.113.99', at: T0 + 4 * MINUTE }), seq: 77, prevHash: '', hash: '' });
    assert.deepEqual(eleventh, [
      {
        at: T0 + 4 * MINUTE,
        rule: 'failed-logins-account',
        principal: 'alice',
        detail: { per: 'actor', action: 'auth.login', result: 'failure', count: 11, threshold: 10, windowMinutes: 5, seq: 77 },
      },
    ]);
    const more = times(20, (i) => failedLogin({ actorName: 'alice', sourceIp: `198.51.100.${i}`, at: T0 + 4 * MINUTE + i * 1000 }));
    assert.deepEqual(feed(engine, more), []);
  });

  it('fires per address when one address fails logins against many accounts', () => {
    const engine = new AlertEngine();
    const attempts = times(11, (i) => failedLogin({ actorName: `user${i}`, sourceIp: '203.0.113.5', at: T0 + i * 1000 }));
    const fired = feed(engine, attempts);
    assert.deepEqual(fired.map((a) => [a.rule, a.principal, a.detail.count]), [['failed-logins-address', '203.0.113.5', 11]]);
  });

  it('counts only failed logins, and skips events without the key', () => {
    const engine = new AlertEngine();
    const successes = times(30, (i) => failedLogin({ result: 'success', at: T0 + i }));
    const noAddress = times(30, (i) => failedLogin({ actorName: `user${i}`, sourceIp: null, at: T0 + i }));
    assert.deepEqual(feed(engine, [...successes, ...noAddress]), []);
  });

  it('slides the window: a steady trickle never fires, and old failures expire', () => {
    const engine = new AlertEngine();
    const trickle = times(60, (i) => failedLogin({ at: T0 + i * MINUTE }));
    assert.deepEqual(feed(engine, trickle), []);

    const later = T0 + 2 * 60 * MINUTE;
    assert.deepEqual(feed(engine, times(10, (i) => failedLogin({ actorName: 'bob', sourceIp: null, at: later + i }))), []);
    assert.deepEqual(engine.observe(failedLogin({ actorName: 'bob', sourceIp: null, at: later + 5 * MINUTE })), [], 'the first ten left the window');
    assert.deepEqual(feed(engine, times(9, (i) => failedLogin({ actorName: 'bob', sourceIp: null, at: later + 6 * MINUTE + i }))), []);
    assert.equal(engine.observe(failedLogin({ actorName: 'bob', sourceIp: null, at: later + 9 * MINUTE })).length, 1, 'eleven within 4 minutes');
  });

  it('fires again for abuse that goes on past the cool-down', () => {
    const engine = new AlertEngine();
    const burst = (start: number) => times(11, (i) => failedLogin({ sourceIp: null, at: start + i * 1000 }));
    assert.equal(feed(engine, burst(T0)).length, 1);
    assert.equal(feed(engine, burst(T0 + 2 * MINUTE)).length, 0, 'within the cool-down');
    assert.equal(feed(engine, burst(T0 + 6 * MINUTE)).length, 1, 'after the cool-down');
  });

  it('fires for more than 1000 pulls by one principal in 10 minutes, not for anonymous pulls', () => {
    const engine = new AlertEngine();
    const pulls = (actor: Partial<AuditEventInput>) => times(1001, (i) => auditEvent({ ...actor, at: T0 + i * 500 }));
    assert.deepEqual(feed(engine, pulls({ actorKind: 'anonymous', actorName: 'anonymous' })), []);
    const robot = pulls({ actorKind: 'robot', actorName: 'robot$acme+ci' });
    assert.deepEqual(feed(engine, robot.slice(0, 1000)), []);
    const fired = engine.observe(robot[1000]!);
    assert.deepEqual(fired.map((a) => [a.rule, a.principal, a.detail.count]), [['pull-flood', 'robot$acme+ci', 1001]]);
  });

  it('fires for more than 100 deletes by one principal in 10 minutes', () => {
    const engine = new AlertEngine();
    const deletes = times(101, (i) => auditEvent({ action: 'registry.delete', actorName: 'carol', at: T0 + i * 1000 }));
    const fired = feed(engine, deletes);
    assert.deepEqual(fired.map((a) => [a.rule, a.principal, a.at]), [['delete-flood', 'carol', deletes[100]!.at]]);
  });
});

describe('AlertEngine memory', () => {
  it('forgets keys idle for a whole window', () => {
    const engine = new AlertEngine();
    feed(engine, times(50, (i) => failedLogin({ actorName: `user${i}`, sourceIp: `203.0.113.${i}`, at: T0 + i })));
    assert.deepEqual(engine.trackedKeys(), { 'pull-flood': 0, 'delete-flood': 0, 'failed-logins-account': 50, 'failed-logins-address': 50 });
    engine.observe(failedLogin({ actorName: 'late', sourceIp: '198.51.100.1', at: T0 + 6 * MINUTE }));
    assert.deepEqual(engine.trackedKeys(), { 'pull-flood': 0, 'delete-flood': 0, 'failed-logins-account': 1, 'failed-logins-address': 1 });
  });

  it('keeps at most maxKeysPerRule keys under a flood of distinct addresses', () => {
    const engine = new AlertEngine({ ...DEFAULT_ALERT_RULES, maxKeysPerRule: 100 });
    const flood = times(5_000, (i) => failedLogin({ actorName: `user${i}`, sourceIp: `10.0.${i >> 8}.${i & 255}`, at: T0 + i }));
    assert.deepEqual(feed(engine, flood), []);
    assert.deepEqual(engine.trackedKeys(), { 'pull-flood': 0, 'delete-flood': 0, 'failed-logins-account': 100, 'failed-logins-address': 100 });
  });
});

describe('parseAlertRules', () => {
  it('accepts the default rules as config', () => {
    assert.deepEqual(parseAlertRules(JSON.parse(JSON.stringify(DEFAULT_ALERT_RULES))), DEFAULT_ALERT_RULES);
  });

  it('lets operators set their own thresholds, globs and cool-downs', () => {
    const config = parseAlertRules({ rules: [{ name: 'writes', action: 'registry.*', threshold: 2, windowMinutes: 1, per: 'actor', cooldownMinutes: 0 }] });
    assert.equal(config.maxKeysPerRule, 10_000);
    const engine = new AlertEngine(config);
    const events = [
      auditEvent({ action: 'registry.push', at: T0 }),
      auditEvent({ action: 'auth.login', at: T0 + 1 }),
      auditEvent({ action: 'registry.delete', at: T0 + 2 }),
      auditEvent({ action: 'registryXpull', at: T0 + 3 }),
      auditEvent({ action: 'registry.pull', at: T0 + 4 }),
      auditEvent({ action: 'registry.pull', at: T0 + 5 }),
    ];
    assert.deepEqual(feed(engine, events).map((a) => a.at), [T0 + 4, T0 + 5], 'no cool-down: every event above the threshold fires');
  });

  it('reports every problem at once', () => {
    const raw = {
      rules: [
        { name: 'a', action: 'auth.login', threshold: -1, windowMinutes: 5, per: 'actor' },
        { name: 'B', action: 'auth.login', threshold: 1, windowMinutes: 0, per: 'everyone' },
        { name: 'b', action: 'auth.login', threshold: 1, windowMinutes: 5, per: 'actor', extra: true },
      ],
    };
    try {
      parseAlertRules(raw);
      assert.fail('expected BAD_REQUEST');
    } catch (err) {
      assert.ok(isBerthError(err, 'BAD_REQUEST'));
      const paths = (err.detail!.issues as Array<{ path: string }>).map((i) => i.path).sort();
      assert.deepEqual(paths, ['rules.0.threshold', 'rules.1.name', 'rules.1.per', 'rules.1.windowMinutes', 'rules.2']);
    }
  });

  it('refuses two rules with one name', () => {
    const rule = { name: 'a', action: 'auth.login', threshold: 1, windowMinutes: 5, per: 'actor' };
    assert.throws(
      () => parseAlertRules({ rules: [rule, { ...rule, per: 'sourceIp' }] }),
      (err) => isBerthError(err, 'BAD_REQUEST') && JSON.stringify(err.detail).includes('duplicate rule name a'),
    );
  });
});
