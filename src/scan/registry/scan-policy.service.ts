import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { projectOf } from '../../auth/policy.ts';
import type { AuditRecorder } from '../../audit/audit-writer.ts';
import type { Actor } from '../../identity/identity-context.ts';
import { badField, parseInput, Timestamp, toEpochMs, unknown } from '../../identity/validate.ts';
import type { ScanExceptionRow } from '../../meta/scan.repo.ts';
import { isDigest, type Digest } from '../../oci/digest.ts';
import { isRepoName, type RepoName } from '../../oci/names.ts';
import { ScanPolicySchema, type ScanPolicy, type ScanSettings } from './scan-settings.ts';

export const ScanPolicyView = z.object({
  scanOnPush: z.boolean(),
  mode: z.enum(['off', 'audit', 'warn', 'enforce']),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  refuseUnscanned: z.boolean(),
  graceDays: z.number().int(),
});

/** A full replacement; omitted fields take their defaults. */
export const ScanPolicyInput = ScanPolicySchema.strict();

const VULN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const ScanExceptionInput = z.object({
  vulnerabilityId: z.string().regex(VULN_ID_RE, 'must be an advisory id or alias such as CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx'),
  /** A repository of the project; omitted: every repository of the project. */
  repository: z.string().min(1).max(255).optional(),
  /** One image (manifest digest); omitted: every image of the repository or project. */
  digest: z.string().optional(),
  owner: z.string().min(1).max(200),
  justification: z.string().min(1).max(2000),
  expiresAt: Timestamp,
}).strict();

export const ScanExceptionView = z.object({
  id: z.string(),
  vulnerabilityId: z.string(),
  repository: z.string().nullable(),
  digest: z.string().nullable(),
  owner: z.string(),
  justification: z.string(),
  expiresAt: z.string(),
  isExpired: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type ScanExceptionView = z.infer<typeof ScanExceptionView>;

/**
 * The management side of vulnerability policies: a project's policy and its exceptions, validated, stored and
 * audited. Callers check `manage-settings` (changes) or project visibility (reads) first.
 */
export class ScanPolicyService {
  constructor(private readonly deps: { settings: ScanSettings; audit: AuditRecorder; now: () => number }) {}

  policy(project: string): ScanPolicy {
    return this.deps.settings.policy(project);
  }

  /** Replaces the project's policy. Throws BAD_REQUEST naming the field. */
  async putPolicy(actor: Actor, project: string, body: unknown): Promise<ScanPolicy> {
    const policy = parseInput(ScanPolicyInput, body);
    await this.deps.settings.putPolicy(project, policy);
    this.record(actor, 'scan.policy.update', project, { ...policy });
    return policy;
  }

  exceptions(project: string): ScanExceptionView[] {
    const now = this.deps.now();
    return this.deps.settings.exceptions(project).map((e) => this.view(e, now));
  }

  /** Throws BAD_REQUEST for a repository outside the project, a malformed digest or an expiry in the past. */
  async addException(actor: Actor, project: string, body: unknown): Promise<ScanExceptionView> {
    const input = parseInput(ScanExceptionInput, body);
    if (input.repository !== undefined && (!isRepoName(input.repository) || projectOf(input.repository) !== project)) {
      throw badField('body.repository', `must be a repository of project ${project}`);
    }
    if (input.digest !== undefined && !isDigest(input.digest)) throw badField('body.digest', 'must be a manifest digest (sha256:...)');
    const now = this.deps.now();
    const expiresAt = toEpochMs(input.expiresAt);
    if (expiresAt <= now) throw badField('body.expiresAt', 'must be in the future');
    const row: ScanExceptionRow = {
      id: randomUUID(),
      project,
      vulnerabilityId: input.vulnerabilityId,
      repository: (input.repository ?? null) as RepoName | null,
      digest: (input.digest ?? null) as Digest | null,
      owner: input.owner,
      justification: input.justification,
      expiresAt,
      createdBy: actor.name,
      createdAt: now,
    };
    await this.deps.settings.addException(row);
    this.record(actor, 'scan.exception.create', project, { id: row.id, vulnerabilityId: row.vulnerabilityId, repository: row.repository, digest: row.digest, owner: row.owner, expiresAt: input.expiresAt });
    return this.view(row, now);
  }

  /** Throws RESOURCE_UNKNOWN when the project has no such exception. */
  async deleteException(actor: Actor, project: string, id: string): Promise<void> {
    if (!(await this.deps.settings.deleteException(project, id))) throw unknown('scan exception', id);
    this.record(actor, 'scan.exception.delete', project, { id });
  }

  private view(e: ScanExceptionRow, now: number): ScanExceptionView {
    return {
      id: e.id, vulnerabilityId: e.vulnerabilityId, repository: e.repository, digest: e.digest, owner: e.owner, justification: e.justification,
      expiresAt: new Date(e.expiresAt).toISOString(), isExpired: e.expiresAt <= now, createdBy: e.createdBy, createdAt: new Date(e.createdAt).toISOString(),
    };
  }

  private record(actor: Actor, action: string, project: string, detail: Record<string, unknown>): void {
    this.deps.audit.record({
      at: this.deps.now(), actorKind: actor.kind, actorName: actor.name, sourceIp: actor.sourceIp, action, project,
      repository: null, reference: null, digest: null, result: 'success', detail,
    });
  }
}
