import type { AuditRecorder } from '../../audit/audit-writer.ts';
import type { StoredBlobReader, StoredManifestReader } from '../../image/berth-storage.source.ts';
import type { Logger } from '../../log/logger.ts';
import type { AlertRepo, AuditEvent } from '../../meta/identity-store.ts';
import type { ScanRepo } from '../../meta/scan.repo.ts';
import type { VulnerabilityMatcher } from '../match/vulnerability-matcher.ts';
import { InventoryPool, type InventoryRunner } from './inventory-pool.ts';
import type { ReferrerWriter } from './sbom-referrer.ts';
import { ScanPolicyService } from './scan-policy.service.ts';
import { ScanReportService } from './scan-report.service.ts';
import { ScanSettings } from './scan-settings.ts';
import { ScanService } from './scan.service.ts';
import { VulnerabilityPullPolicy } from './vulnerability.policy.ts';

export interface RegistryScanning {
  scans: ScanService;
  reports: ScanReportService;
  policies: ScanPolicyService;
  /** Every project's policy and exceptions, from memory (the scan-clean promotion gate reads them). */
  settings: ScanSettings;
  /** Registered with the registry's pull policies. */
  pullPolicy: VulnerabilityPullPolicy;
  /** Stops following audit events and data changes, waits for running scans, stops the workers. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds registry scanning (#5) from the stores and the registry services, loads the policies, resumes queued
 * jobs and subscribes to push events. main.ts calls this once.
 */
export async function startRegistryScanning(deps: {
  image: { manifests: StoredManifestReader; blobs: StoredBlobReader };
  scans: ScanRepo;
  matcher: VulnerabilityMatcher;
  referrers: ReferrerWriter;
  audit: AuditRecorder & { onEvent(listener: (event: AuditEvent) => void): () => void };
  alerts: Pick<AlertRepo, 'record'>;
  /** Inventory worker threads (scans running at once). */
  workers: number;
  now: () => number;
  log: Logger;
  /** Tests: another inventory runner than the worker pool. */
  inventories?: InventoryRunner;
}): Promise<RegistryScanning> {
  const settings = new ScanSettings({ store: deps.scans, now: deps.now });
  await settings.load();
  const inventories = deps.inventories ?? new InventoryPool({ size: deps.workers, log: deps.log });
  const scans = new ScanService({
    image: deps.image, scans: deps.scans, settings, matcher: deps.matcher, inventories, referrers: deps.referrers,
    audit: deps.audit, alerts: deps.alerts, concurrency: deps.workers, now: deps.now, log: deps.log,
  });
  const pullPolicy = new VulnerabilityPullPolicy({
    settings, results: deps.scans, now: deps.now, log: deps.log,
    onUnscanned: (repo, digest) => {
      scans.request(repo, digest, 'push').catch((err: unknown) => deps.log.error({ err, repo, digest }, 'scan: queueing a scan of a pulled unscanned image failed'));
    },
  });
  const stopResults = scans.onResult((digest) => pullPolicy.invalidate(digest));
  const reports = new ScanReportService({ manifests: deps.image.manifests, scans: deps.scans, isQueued: (digest) => scans.queue.isPending('scan', digest) });
  const policies = new ScanPolicyService({ settings, audit: deps.audit, now: deps.now });
  const stopPushes = deps.audit.onEvent((event) => scans.onAuditEvent(event));
  await scans.start();
  let stopping: Promise<void> | undefined;
  return {
    scans, reports, policies, settings, pullPolicy,
    stop() {
      stopping ??= (async () => {
        stopPushes();
        stopResults();
        await scans.stop();
        await inventories.close();
      })();
      return stopping;
    },
  };
}
