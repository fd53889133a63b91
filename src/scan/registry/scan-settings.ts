import { z } from 'zod';
import type { ScanExceptionRow, ScanRepo } from '../../meta/scan.repo.ts';

/** A project's scanning settings and vulnerability pull policy (stored as JSON per project). */
export const ScanPolicySchema = z.object({
  /** Scan every image pushed to the project. */
  scanOnPush: z.boolean().default(false),
  /** off: no findings; audit: record and allow; warn: allow with a Warning header; enforce: refuse. */
  mode: z.enum(['off', 'audit', 'warn', 'enforce']).default('off'),
  /** Findings at or above this severity count against the image. */
  severity: z.enum(['low', 'medium', 'high', 'critical']).default('critical'),
  /** Whether an image without a scan result counts against it. */
  refuseUnscanned: z.boolean().default(false),
  /** A finding whose advisory was published less than this many days ago does not count yet. */
  graceDays: z.number().int().min(0).max(3650).default(0),
});
export type ScanPolicy = z.output<typeof ScanPolicySchema>;

export const DEFAULT_SCAN_POLICY: ScanPolicy = Object.freeze(ScanPolicySchema.parse({}));

/**
 * Every project's scan policy and exceptions, held in memory (read on the pull hot path) and written through to
 * the metadata store. Loaded once at start; listeners hear about every change (the pull policy drops its cache).
 */
export class ScanSettings {
  private readonly policies = new Map<string, ScanPolicy>();
  private readonly exceptionsByProject = new Map<string, ScanExceptionRow[]>();
  private readonly listeners = new Set<(project: string) => void>();

  constructor(private readonly deps: { store: Pick<ScanRepo, 'policies' | 'putPolicy' | 'allExceptions' | 'addException' | 'deleteException'>; now: () => number }) {}

  async load(): Promise<void> {
    for (const { project, policyJson } of await this.deps.store.policies()) {
      const parsed = ScanPolicySchema.safeParse(JSON.parse(policyJson));
      this.policies.set(project, parsed.success ? parsed.data : DEFAULT_SCAN_POLICY);
    }
    for (const row of await this.deps.store.allExceptions()) this.exceptionsOf(row.project).push(row);
  }

  /** The project's policy (the default, off, when it never set one). From memory. */
  policy(project: string): ScanPolicy {
    return this.policies.get(project) ?? DEFAULT_SCAN_POLICY;
  }

  /** Whether the project's pull policy is on (any mode but off). From memory. */
  isEnforcing(project: string): boolean {
    return this.policy(project).mode !== 'off';
  }

  async putPolicy(project: string, policy: ScanPolicy): Promise<void> {
    await this.deps.store.putPolicy(project, JSON.stringify(policy), this.deps.now());
    this.policies.set(project, policy);
    this.changed(project);
  }

  /** The project's exceptions, expired ones too, by id. From memory. */
  exceptions(project: string): readonly ScanExceptionRow[] {
    return this.exceptionsByProject.get(project) ?? [];
  }

  async addException(row: ScanExceptionRow): Promise<void> {
    await this.deps.store.addException(row);
    this.exceptionsOf(row.project).push(row);
    this.exceptionsOf(row.project).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.changed(row.project);
  }

  async deleteException(project: string, id: string): Promise<boolean> {
    const deleted = await this.deps.store.deleteException(project, id);
    const list = this.exceptionsOf(project);
    const i = list.findIndex((e) => e.id === id);
    if (i !== -1) list.splice(i, 1);
    if (deleted) this.changed(project);
    return deleted;
  }

  onChange(listener: (project: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private exceptionsOf(project: string): ScanExceptionRow[] {
    let list = this.exceptionsByProject.get(project);
    if (!list) this.exceptionsByProject.set(project, (list = []));
    return list;
  }

  private changed(project: string): void {
    for (const l of this.listeners) l(project);
  }
}
