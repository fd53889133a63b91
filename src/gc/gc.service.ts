import type { AuditRecorder } from '../audit/audit-writer.ts';
import type { Actor } from '../identity/identity-context.ts';
import type { Logger } from '../log/logger.ts';
import type { GcRepo } from '../meta/gc.repo.ts';
import type { Digest } from '../oci/digest.ts';
import type { BlobLister, BlobQuarantine, BlobReader } from '../storage/blob-driver.ts';
import { planBytes, planGc, type GcPlan } from './gc-plan.ts';
import { withLease } from './job-lease.ts';

/** Deletes between two lease renewals. */
const RENEW_EVERY = 200;

/** What one run did (or, dry, would do). Counts and bytes; a real run counts only what it really removed. */
export interface GcReport {
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  /** Manifests unlinked from a repository (untagged, unreferenced, older than the grace period). */
  manifestLinks: number;
  /** Blobs unlinked from a repository (no manifest of it uses them). */
  blobLinks: number;
  /** Manifests removed from the store (no repository links them). */
  manifests: number;
  manifestBytes: number;
  /** Blobs removed from the store and disk. */
  blobs: number;
  blobBytes: number;
  /** Files on disk with no blob row (left by a crash), removed. */
  orphanFiles: number;
  orphanBytes: number;
  /** Deletes the re-check refused because a push referenced the content meanwhile. */
  keptByRace: number;
}

export interface GcRunOptions {
  dryRun: boolean;
  actor: Actor;
  signal?: AbortSignal;
}

/**
 * Garbage collection while the registry serves (#4): mark (gc-plan.ts) on a snapshot of the graph, then sweep
 * with one re-checked transaction per delete (gc.repo.ts), then blob files through the quarantine protocol:
 * the row goes first; the file is moved aside; if a row for the digest exists again (an upload reserved it
 * meanwhile) the file is put back, else it is deleted. One run at a time across nodes (the `gc` lease).
 */
export class GcService {
  constructor(
    private readonly deps: {
      gc: GcRepo;
      blobs: BlobLister & BlobQuarantine & Pick<BlobReader, 'stat'>;
      audit: AuditRecorder;
      log: Logger;
      now: () => number;
      graceMs: number;
      historyWindowMs: number;
    },
  ) {}

  /** Runs one collection. Throws CONFLICT while another run holds the lease; an aborted run stops between deletes. */
  run(opts: GcRunOptions): Promise<GcReport> {
    return withLease({ leases: this.deps.gc, now: this.deps.now }, 'gc', (renew) => this.collect(opts, renew));
  }

  private async collect(opts: GcRunOptions, renew: () => Promise<void>): Promise<GcReport> {
    const { gc, now } = this.deps;
    const started = now();
    const graceBefore = started - this.deps.graceMs;
    const report: GcReport = {
      dryRun: opts.dryRun, startedAt: new Date(started).toISOString(), finishedAt: '',
      manifestLinks: 0, blobLinks: 0, manifests: 0, manifestBytes: 0, blobs: 0, blobBytes: 0, orphanFiles: 0, orphanBytes: 0, keptByRace: 0,
    };
    if (!opts.dryRun) await this.recoverQuarantine();
    const plan = planGc(await gc.graph(started - this.deps.historyWindowMs), { graceBefore });
    if (opts.dryRun) {
      Object.assign(report, this.predicted(plan));
    } else {
      let done = 0;
      const step = async <T>(work: () => Promise<T>): Promise<T> => {
        opts.signal?.throwIfAborted();
        if (++done % RENEW_EVERY === 0) await renew();
        return work();
      };
      for (const repo of plan.repositories) {
        const garbage = new Set<string>(repo.manifests);
        for (const digest of repo.manifests) this.count(report, 'manifestLinks', await step(() => gc.unlinkManifest(repo.repository, digest, graceBefore, garbage)));
        for (const digest of repo.blobs) this.count(report, 'blobLinks', await step(() => gc.unlinkBlob(repo.repository, digest, graceBefore)));
      }
      for (const m of plan.manifests) {
        if (this.count(report, 'manifests', await step(() => gc.deleteManifest(m.digest)))) report.manifestBytes += m.sizeBytes;
      }
      for (const b of plan.blobs) {
        if (!this.count(report, 'blobs', await step(() => gc.deleteBlob(b.digest, graceBefore)))) continue;
        if (await this.removeFile(b.digest)) report.blobBytes += b.sizeBytes;
      }
    }
    await this.sweepOrphanFiles(report, opts);
    report.finishedAt = new Date(now()).toISOString();
    this.audit(opts.actor, report);
    this.deps.log.info({ gc: report }, opts.dryRun ? 'garbage collection dry run' : 'garbage collection finished');
    return report;
  }

  private predicted(plan: GcPlan): Partial<GcReport> {
    const bytes = planBytes(plan);
    return {
      manifestLinks: plan.repositories.reduce((n, r) => n + r.manifests.length, 0),
      blobLinks: plan.repositories.reduce((n, r) => n + r.blobs.length, 0),
      manifests: plan.manifests.length,
      manifestBytes: bytes.manifestBytes,
      blobs: plan.blobs.length,
      blobBytes: bytes.blobBytes,
    };
  }

  /** Adds a delete that happened; one the re-check refused counts as kept by a race. */
  private count(report: GcReport, field: 'manifestLinks' | 'blobLinks' | 'manifests' | 'blobs', isDeleted: boolean): boolean {
    if (isDeleted) report[field]++;
    else report.keptByRace++;
    return isDeleted;
  }

  /** The file of a blob whose row is gone: quarantined, then purged unless a row exists again. */
  private async removeFile(digest: Digest): Promise<boolean> {
    const token = await this.deps.blobs.quarantine(digest);
    if (token === undefined) return false;
    if (await this.deps.gc.blobRowExists(digest)) {
      await this.deps.blobs.restore(token);
      return false;
    }
    await this.deps.blobs.purge(token);
    return true;
  }

  /** A crash between quarantine and purge leaves bytes aside: back if their row exists, else gone. */
  private async recoverQuarantine(): Promise<void> {
    for (const { token, digest } of await this.deps.blobs.listQuarantined()) {
      if (await this.deps.gc.blobRowExists(digest)) await this.deps.blobs.restore(token);
      else await this.deps.blobs.purge(token);
    }
  }

  /**
   * Files with no blob row: a crash after the row was deleted but before the file was. An upload reserves the row
   * before it writes the file, so such a file is never one being committed (the re-check after quarantine covers
   * an upload that starts meanwhile).
   */
  private async sweepOrphanFiles(report: GcReport, opts: GcRunOptions): Promise<void> {
    for await (const digest of this.deps.blobs.list()) {
      opts.signal?.throwIfAborted();
      if (await this.deps.gc.blobRowExists(digest)) continue;
      const sizeBytes = await this.deps.blobs.stat(digest).then((s) => s.sizeBytes, () => undefined);
      if (sizeBytes === undefined) continue;
      if (!opts.dryRun && !(await this.removeFile(digest))) continue;
      report.orphanFiles++;
      report.orphanBytes += sizeBytes;
    }
  }

  private audit(actor: Actor, report: GcReport): void {
    this.deps.audit.record({
      at: this.deps.now(),
      actorKind: actor.kind,
      actorName: actor.name,
      sourceIp: actor.sourceIp,
      action: report.dryRun ? 'gc.dry-run' : 'gc.run',
      project: null,
      repository: null,
      reference: null,
      digest: null,
      result: 'success',
      detail: { ...report },
    });
  }
}
