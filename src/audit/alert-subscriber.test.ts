import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertRecord, AlertRepo } from '../meta/identity-store.ts';
import { AlertEngine } from './alert-rules.ts';
import { subscribeAlerts } from './alert-subscriber.ts';
import { auditEvent, capturingLogger, MemoryAuditRepo, until } from './audit-test-kit.ts';
import { AuditWriter } from './audit-writer.ts';

/** AlertRepo in an array; `isDown` makes record fail. */
class MemoryAlertRepo implements AlertRepo {
  readonly alerts: AlertRecord[] = [];
  isDown = false;

  async record(alert: Omit<AlertRecord, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>): Promise<AlertRecord> {
    if (this.isDown) throw new Error('database is unavailable');
    const stored = { ...alert, id: String(this.alerts.length + 1), acknowledgedAt: null, acknowledgedBy: null };
    this.alerts.push(stored);
    return stored;
  }

  async list(): Promise<AlertRecord[]> {
    return [...this.alerts];
  }

  async acknowledge(): Promise<boolean> {
    return false;
  }
}

const failedLogin = (i: number) =>
  auditEvent({ action: 'auth.login', result: 'failure', actorKind: 'anonymous', actorName: 'alice', sourceIp: `203.0.113.${i}`, at: Date.UTC(2030, 0, 1) + i * 1000 });

describe('subscribeAlerts', () => {
  it('stores one alert for a burst of failed logins written through the audit writer', async () => {
    const { log, lines } = capturingLogger();
    const writer = new AuditWriter({ repo: new MemoryAuditRepo(), log }, { flushDelayMs: 3_600_000 });
    const alerts = new MemoryAlertRepo();
    subscribeAlerts({ audit: writer, engine: new AlertEngine(), alerts, log });
    for (let i = 0; i < 15; i++) writer.record(failedLogin(i));
    await writer.close();
    await until(() => alerts.alerts.length === 1);
    const [alert] = alerts.alerts;
    assert.equal(alert!.rule, 'failed-logins-account');
    assert.equal(alert!.principal, 'alice');
    assert.equal(alert!.at, failedLogin(10).at);
    assert.deepEqual(alert!.detail, { per: 'actor', action: 'auth.login', result: 'failure', count: 11, threshold: 10, windowMinutes: 5, seq: 11 });
    assert.ok(lines.some((l) => l.level === 40 && l.msg === 'alert: failed-logins-account fired for alice'));
  });

  it('logs an alert it could not store, and keeps auditing', async () => {
    const { log, lines } = capturingLogger();
    const repo = new MemoryAuditRepo();
    const writer = new AuditWriter({ repo, log }, { flushDelayMs: 3_600_000 });
    const alerts = new MemoryAlertRepo();
    alerts.isDown = true;
    const unsubscribe = subscribeAlerts({ audit: writer, engine: new AlertEngine(), alerts, log });
    for (let i = 0; i < 11; i++) writer.record(failedLogin(i));
    await writer.flush();
    await until(() => lines.some((l) => l.msg === 'alert: storing a fired alert failed'));
    unsubscribe();
    alerts.isDown = false;
    // Past the cool-down: a subscribed engine would fire again for this burst.
    for (let i = 400; i < 420; i++) writer.record(failedLogin(i));
    await writer.close();
    assert.equal(repo.events.length, 31);
    assert.equal(alerts.alerts.length, 0, 'unsubscribed: no further alerts');
  });
});
