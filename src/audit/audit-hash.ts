import { createHash } from 'node:crypto';
import type { AuditEventInput } from '../meta/identity-store.ts';

/**
 * The audit hash chain (docs/design/identity.md, "Audit"): `hash = sha256(prevHash + '\n' + canonical JSON)`.
 * Pure. The canonical form is part of the stored format: changing the field order, the separator or the
 * escaping invalidates every chain already written.
 */

/** Top-level fields in canonical order. Anything else on the object (seq, prevHash, hash) is not hashed. */
export const AUDIT_FIELDS = [
  'at',
  'actorKind',
  'actorName',
  'sourceIp',
  'action',
  'project',
  'repository',
  'reference',
  'digest',
  'result',
  'detail',
] as const satisfies readonly (keyof AuditEventInput)[];

const ACTOR_KINDS: ReadonlySet<string> = new Set<AuditEventInput['actorKind']>(['anonymous', 'user', 'robot', 'system']);
const RESULTS: ReadonlySet<string> = new Set<AuditEventInput['result']>(['success', 'failure', 'denied']);
const NULLABLE_STRINGS = ['sourceIp', 'project', 'repository', 'reference', 'digest'] as const;

/**
 * Canonical JSON of an event: the fields of AUDIT_FIELDS in that order, a missing or undefined field written as
 * `null`, no whitespace; inside `detail`, object keys sorted by UTF-16 code units and values serialized as
 * JSON.stringify would (toJSON honoured, undefined members dropped, non-finite numbers as null), so the form is
 * the same before and after a JSON round trip through the database. Throws TypeError on a cycle or a BigInt.
 */
export function canonicalAuditJson(event: AuditEventInput): string {
  const record = event as unknown as Record<string, unknown>;
  let out = '{';
  for (let i = 0; i < AUDIT_FIELDS.length; i++) {
    const field = AUDIT_FIELDS[i]!;
    if (i > 0) out += ',';
    out += JSON.stringify(field) + ':' + (canonicalValue(record[field], []) ?? 'null');
  }
  return out + '}';
}

/** Hex sha256 over `prevHash + '\n' + canonicalAuditJson(event)`. The first event of a chain uses prevHash ''. */
export function chainHash(prevHash: string, event: AuditEventInput): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalAuditJson(event)).digest('hex');
}

/**
 * A detached, validated copy of `event` holding exactly the hashed fields, with explicit nulls and `detail`
 * reduced to plain JSON: what is hashed at append time is then what the database hands back, and a caller
 * mutating its object afterwards cannot change the record. Throws TypeError naming the first bad field.
 */
export function normalizeAuditEvent(event: AuditEventInput): AuditEventInput {
  const raw = event as unknown as Record<string, unknown>;
  if (typeof raw.at !== 'number' || !Number.isSafeInteger(raw.at)) throw new TypeError('audit event: at must be an integer (epoch ms)');
  if (typeof raw.actorKind !== 'string' || !ACTOR_KINDS.has(raw.actorKind)) throw new TypeError(`audit event: unknown actorKind ${String(raw.actorKind)}`);
  if (typeof raw.actorName !== 'string') throw new TypeError('audit event: actorName must be a string');
  if (typeof raw.action !== 'string' || raw.action === '') throw new TypeError('audit event: action must be a non-empty string');
  if (typeof raw.result !== 'string' || !RESULTS.has(raw.result)) throw new TypeError(`audit event: unknown result ${String(raw.result)}`);
  for (const field of NULLABLE_STRINGS) {
    const value = raw[field];
    if (value !== undefined && value !== null && typeof value !== 'string') throw new TypeError(`audit event: ${field} must be a string or null`);
  }
  let detail: Record<string, unknown> | null = null;
  if (raw.detail !== undefined && raw.detail !== null) {
    const json = canonicalValue(raw.detail, []);
    const parsed: unknown = json === undefined ? null : JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('audit event: detail must be an object or null');
    detail = parsed as Record<string, unknown>;
  }
  return {
    at: raw.at,
    actorKind: raw.actorKind as AuditEventInput['actorKind'],
    actorName: raw.actorName,
    sourceIp: (raw.sourceIp as string | null | undefined) ?? null,
    action: raw.action,
    project: (raw.project as string | null | undefined) ?? null,
    repository: (raw.repository as string | null | undefined) ?? null,
    reference: (raw.reference as string | null | undefined) ?? null,
    digest: (raw.digest as string | null | undefined) ?? null,
    result: raw.result as AuditEventInput['result'],
    detail,
  };
}

/** JSON.stringify semantics with sorted keys; undefined where JSON.stringify would omit the value. */
function canonicalValue(value: unknown, ancestors: object[]): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('audit event: a BigInt cannot be serialized');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.includes(obj)) throw new TypeError('audit event: detail contains a cycle');
  ancestors.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[' + obj.map((item) => canonicalValue(item, ancestors) ?? 'null').join(',') + ']';
  } else {
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const member = canonicalValue((obj as Record<string, unknown>)[key], ancestors);
      if (member !== undefined) parts.push(JSON.stringify(key) + ':' + member);
    }
    out = '{' + parts.join(',') + '}';
  }
  ancestors.pop();
  return out;
}
