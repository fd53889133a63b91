import { z } from 'zod';
import { BerthError } from '../errors/berth-error.ts';
import type { AlertRecord, AuditEvent, AuditEventInput } from '../meta/identity-store.ts';

/**
 * Threshold alerting over audit events: "more than N events of a kind by one principal (or from one address) in
 * M minutes". Pure and in memory: time is the events' own `at`, so replaying history gives the same alerts.
 * Windows slide in steps of 1/60 of their length and never count an event older than the window (a burst
 * straddling a step may need up to one step more to count in full); an event older than the newest one seen
 * for its key (clock skew between nodes) counts as of that newest time. After an alert, a rule stays quiet for
 * that key for its cool-down, so one burst gives one alert; abuse that goes on fires again once per cool-down.
 * Memory is bounded: keys idle for a whole window (and out of cool-down) are forgotten, and at most
 * `maxKeysPerRule` keys are kept per rule, the least recently seen forgotten first (losing its count and
 * cool-down: a flood of distinct addresses can make a quiet key's alert fire late or twice, never grow memory).
 */

const ACTOR_KINDS = ['anonymous', 'user', 'robot', 'system'] as const satisfies readonly AuditEventInput['actorKind'][];

export const AlertRuleSchema = z.strictObject({
  /** Stable id, stored on each alert. */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, . _ - (at most 100)'),
  /** Audit action, exact or a glob where `*` matches any characters: 'registry.pull', 'registry.*'. */
  action: z.string().min(1).max(200),
  /** Only events with this result; any when absent. */
  result: z.enum(['success', 'failure', 'denied']).optional(),
  /** Only events by these kinds of actor; any when absent. */
  actorKinds: z.array(z.enum(ACTOR_KINDS)).min(1).optional(),
  /** Fires when MORE than this many matching events fall in the window. */
  threshold: z.number().int().min(0).max(10_000_000),
  windowMinutes: z.number().positive().max(7 * 24 * 60),
  /** Count per principal (actor name) or per source address; events without that key are not counted. */
  per: z.enum(['actor', 'sourceIp']),
  /** Quiet time per key after an alert; defaults to windowMinutes. */
  cooldownMinutes: z.number().min(0).max(7 * 24 * 60).optional(),
});

export const AlertRulesSchema = z.strictObject({
  rules: z.array(AlertRuleSchema).max(200).superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate rule name ${rule.name}` });
      seen.add(rule.name);
    });
  }),
  maxKeysPerRule: z.number().int().min(1).max(1_000_000).default(10_000),
});

export type AlertRule = z.output<typeof AlertRuleSchema>;
export type AlertRulesConfig = z.output<typeof AlertRulesSchema>;
/** What AlertRepo.record takes. */
export type FiredAlert = Omit<AlertRecord, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>;

export const DEFAULT_ALERT_RULES: AlertRulesConfig = Object.freeze({
  rules: [
    { name: 'pull-flood', action: 'registry.pull', actorKinds: ['user', 'robot'], threshold: 1000, windowMinutes: 10, per: 'actor' },
    { name: 'delete-flood', action: 'registry.delete', threshold: 100, windowMinutes: 10, per: 'actor' },
    { name: 'failed-logins-account', action: 'auth.login', result: 'failure', threshold: 10, windowMinutes: 5, per: 'actor' },
    { name: 'failed-logins-address', action: 'auth.login', result: 'failure', threshold: 10, windowMinutes: 5, per: 'sourceIp' },
  ],
  maxKeysPerRule: 10_000,
}) as AlertRulesConfig;

/** Validates operator input; throws BerthError('BAD_REQUEST') listing every problem (path and message). */
export function parseAlertRules(raw: unknown): AlertRulesConfig {
  const parsed = AlertRulesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  throw new BerthError('BAD_REQUEST', { message: 'invalid alert rules', detail: { issues } });
}

const BUCKETS_PER_WINDOW = 60;

interface KeyWindow {
  /** Bucket numbers (floor(ms / bucketMs)), ascending, and the events in each. */
  buckets: number[];
  counts: number[];
  total: number;
  lastAtMs: number;
  /** 0 when not cooling down. */
  quietUntilMs: number;
}

class RuleState {
  readonly windowMs: number;
  readonly cooldownMs: number;
  private readonly bucketMs: number;
  private readonly actionRe: RegExp;
  private readonly actorKinds: ReadonlySet<string> | undefined;
  /** Least recently seen first. */
  readonly keys = new Map<string, KeyWindow>();

  constructor(readonly rule: AlertRule, private readonly maxKeys: number) {
    this.windowMs = rule.windowMinutes * 60_000;
    this.cooldownMs = (rule.cooldownMinutes ?? rule.windowMinutes) * 60_000;
    this.bucketMs = this.windowMs / BUCKETS_PER_WINDOW;
    this.actionRe = new RegExp('^' + rule.action.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    this.actorKinds = rule.actorKinds ? new Set(rule.actorKinds) : undefined;
  }

  observe(event: AuditEventInput & { seq?: number }): FiredAlert | undefined {
    const rule = this.rule;
    if (rule.result !== undefined && event.result !== rule.result) return undefined;
    if (this.actorKinds && !this.actorKinds.has(event.actorKind)) return undefined;
    if (!this.actionRe.test(event.action)) return undefined;
    const key = rule.per === 'actor' ? event.actorName : event.sourceIp;
    if (!key) return undefined;

    let window = this.keys.get(key);
    const nowMs = Math.max(event.at, window?.lastAtMs ?? event.at);
    if (window) this.keys.delete(key);
    window ??= { buckets: [], counts: [], total: 0, lastAtMs: nowMs, quietUntilMs: 0 };
    window.lastAtMs = nowMs;
    this.keys.set(key, window);
    this.forgetIdle(nowMs);

    const bucket = Math.floor(nowMs / this.bucketMs);
    while (window.buckets.length > 0 && window.buckets[0]! <= bucket - BUCKETS_PER_WINDOW) {
      window.buckets.shift();
      window.total -= window.counts.shift()!;
    }
    // A coalesced event stands for itself plus the identical ones it counts (see repeat-coalescer.ts).
    const repeats = event.detail?.repeats;
    const weight = 1 + (typeof repeats === 'number' && repeats > 0 ? repeats : 0);
    if (window.buckets.at(-1) === bucket) window.counts[window.counts.length - 1]! += weight;
    else {
      window.buckets.push(bucket);
      window.counts.push(weight);
    }
    window.total += weight;

    if (window.total <= rule.threshold || nowMs < window.quietUntilMs) return undefined;
    window.quietUntilMs = nowMs + this.cooldownMs;
    return {
      at: event.at,
      rule: rule.name,
      principal: key,
      detail: {
        per: rule.per,
        action: event.action,
        ...(rule.result ? { result: rule.result } : {}),
        count: window.total,
        threshold: rule.threshold,
        windowMinutes: rule.windowMinutes,
        ...(event.seq !== undefined ? { seq: event.seq } : {}),
      },
    };
  }

  /** Drops idle keys from the least recently seen end, then the oldest beyond the cap. */
  private forgetIdle(nowMs: number): void {
    for (const [key, window] of this.keys) {
      const isIdle = nowMs - window.lastAtMs >= this.windowMs && nowMs >= window.quietUntilMs;
      if (!isIdle && this.keys.size <= this.maxKeys) break;
      this.keys.delete(key);
    }
  }
}

/**
 * Feeds audit events to every rule. `observe` is synchronous, so calls never interleave; subscribe it to
 * AuditWriter.onEvent and pass what it returns to AlertRepo.record.
 */
export class AlertEngine {
  private readonly states: RuleState[];

  constructor(config: AlertRulesConfig = DEFAULT_ALERT_RULES) {
    this.states = config.rules.map((rule) => new RuleState(rule, config.maxKeysPerRule));
  }

  /** The alerts this event fires, at most one per rule. Never throws. */
  observe(event: AuditEventInput | AuditEvent): FiredAlert[] {
    const fired: FiredAlert[] = [];
    for (const state of this.states) {
      const alert = state.observe(event);
      if (alert) fired.push(alert);
    }
    return fired;
  }

  /** Keys currently remembered per rule name, for metrics and tests. */
  trackedKeys(): Record<string, number> {
    return Object.fromEntries(this.states.map((s) => [s.rule.name, s.keys.size]));
  }
}
