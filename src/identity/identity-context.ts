import type { AuditRecorder } from '../audit/audit-writer.ts';
import type { AuditEventInput } from '../meta/identity-store.ts';

/**
 * What every identity change needs besides its repository: who made it (for the audit trail) and the effects
 * that must follow it (drop cached access facts, forget cached credentials, record the event).
 */

/** Who asked for a change, as the audit trail records them. */
export interface Actor {
  kind: 'user' | 'robot' | 'anonymous' | 'system';
  name: string;
  /** The acting user's id (recorded as creator of projects and robots); null for robots and the system. */
  userId: string | null;
  sourceIp: string | null;
}

export interface ChangeEffects {
  audit: AuditRecorder;
  /** AccessControl.invalidate(): cached grants, projects and principals are stale. Never throws. */
  invalidate(): void;
  /** Drops the authenticator's cached verification of this user's or robot's credentials. Never throws. */
  forgetCredentials(principalName: string): void;
  now(): number;
}

export interface ChangeRecord {
  action: string;
  project?: string | null;
  detail?: Record<string, unknown> | null;
  /** Users or robots whose credentials or state changed. */
  forget?: readonly string[];
}

/** Call after a change committed: invalidates access caches, forgets credentials, records the audit event. */
export function afterChange(fx: ChangeEffects, actor: Actor, change: ChangeRecord): void {
  fx.invalidate();
  for (const name of change.forget ?? []) fx.forgetCredentials(name);
  const event: AuditEventInput = {
    at: fx.now(),
    actorKind: actor.kind,
    actorName: actor.name,
    sourceIp: actor.sourceIp,
    action: change.action,
    project: change.project ?? null,
    repository: null,
    reference: null,
    digest: null,
    result: 'success',
    detail: change.detail ?? null,
  };
  fx.audit.record(event);
}

/** Epoch milliseconds as the API shows times. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
