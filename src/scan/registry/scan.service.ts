import { projectOf } from '../../auth/policy.ts';
import type { AuditRecorder } from '../../audit/audit-writer.ts';
import { BerthStorageSource, type StoredBlobReader, type StoredManifestReader } from '../../image/berth-storage.source.ts';
import { resolveImages } from '../../image/image-resolve.ts';
import type { Logger } from '../../log/logger.ts';
import type { AlertRepo, AuditEvent, AuditEventInput } from '../../meta/identity-store.ts';
import type { ScanRepo, ScanResultRow } from '../../meta/scan.repo.ts';
import { isDigest, type Digest } from '../../oci/digest.ts';
import { parseManifest } from '../../oci/manifest.ts';
import { isIndexMediaType, MANIFEST_MEDIA_TYPES } from '../../oci/media-types.ts';
import { isRepoName, type RepoName } from '../../oci/names.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { VulnerabilityFinding, VulnerabilityMatcher } from '../match/vulnerability-matcher.ts';
import { SEVERITY_ORDER, type SeverityRating } from '../severity/severity.ts';
import type { InventoryRunner } from './inventory-pool.ts';
import { attachSbom, type ReferrerWriter } from './sbom-referrer.ts';
import { SCAN_PRIORITY, ScanQueue, type ScanJob, type ScanPriorityName } from './scan-queue.ts';
import type { ScanSettings } from './scan-settings.ts';

/** Digests read per page when queueing every stored result for a re-match, or every image for a scan-all. */
const PAGE = 500;
/** The alert rule name a vulnerability newly affecting a stored image raises. */
export const NEW_VULNERABILITY_ALERT = 'new-vulnerability';

export interface ScanServiceDeps {
  image: { manifests: StoredManifestReader; blobs: StoredBlobReader };
  scans: ScanRepo;
  settings: Pick<ScanSettings, 'policy'>;
  matcher: VulnerabilityMatcher;
  inventories: InventoryRunner;
  /** Where SBOM referrers are pushed; undefined: none are attached. */
  referrers?: ReferrerWriter;
  audit: AuditRecorder;
  alerts: Pick<AlertRepo, 'record'>;
  /** Scans (inventory reads) running at once; the worker pool's size. */
  concurrency: number;
  now: () => number;
  log: Logger;
}

export function worstSeverity(findings: readonly VulnerabilityFinding[]): SeverityRating {
  let worst = 0;
  for (const f of findings) worst = Math.max(worst, SEVERITY_ORDER.indexOf(f.severity));
  return SEVERITY_ORDER[worst]!;
}

/** Every id and alias the findings carry, upper-cased ids kept as written. */
export function findingIds(findings: readonly VulnerabilityFinding[]): string[] {
  return [...new Set(findings.flatMap((f) => [f.id, ...f.aliases]))];
}

const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

/** Signatures, SBOMs, attestations and other artifacts: a subject, an artifactType, or a config that is not an image's. */
export function isArtifact(content: Buffer): boolean {
  const doc = JSON.parse(content.toString('utf8')) as { subject?: unknown; artifactType?: unknown; config?: { mediaType?: string } };
  return doc.subject !== undefined || doc.artifactType !== undefined || (doc.config !== undefined && !IMAGE_CONFIG_TYPES.has(doc.config.mediaType ?? ''));
}

/**
 * The images a scan of the stored manifest covers: itself, each platform image of an index (attestation entries,
 * platform unknown/unknown, excluded), or none for an artifact.
 */
export function scannedImagesOf(stored: { digest: Digest; mediaType: string; content: Buffer }): Digest[] {
  if (isArtifact(stored.content)) return [];
  if (!isIndexMediaType(stored.mediaType)) return [stored.digest];
  return parseManifest(stored.content, stored.mediaType).manifests.filter((m) => m.platform?.os !== 'unknown').map((m) => m.digest);
}

const findingKey = (f: VulnerabilityFinding): string => `${f.id} ${f.package.ecosystem} ${f.package.name} ${f.package.version}`;

/**
 * Registry scanning: scans images stored in Berth (inventory in a worker thread, matched against the vulnerability
 * data), stores the result per manifest digest, attaches the SBOM as a referrer, and re-matches every stored
 * inventory when the data changes, raising an audit event and an alert for each image a vulnerability newly
 * affects. Work goes through a persistent priority queue (ad-hoc before push before background).
 */
export class ScanService {
  readonly queue: ScanQueue;
  private readonly resultListeners = new Set<(digest: Digest) => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ScanServiceDeps) {
    this.queue = new ScanQueue({ store: deps.scans, concurrency: deps.concurrency, run: (job) => this.run(job), log: deps.log });
  }

  /** Resumes queued jobs and follows the matcher's data changes. */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.matcher.onChange((revision) => {
      this.rematchAll(revision).catch((err: unknown) => this.deps.log.error({ err }, 'scan: queueing the re-match of stored results failed'));
    });
    await this.queue.start();
  }

  /** Stops following changes and waits for running jobs (queued ones resume at the next start). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.stop();
  }

  /** Called with the digest of every stored result (new or re-matched). */
  onResult(listener: (digest: Digest) => void): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  /**
   * Queues a scan of the manifest `digest` in `repo`: an image, or each image of an index. Resolves once queued,
   * with a promise of completion (which rejects with the scan's error). Artifacts are not scanned ([] jobs).
   * Throws MANIFEST_UNKNOWN when the manifest is not in the repository.
   */
  async request(repo: RepoName, digest: Digest, priority: ScanPriorityName): Promise<{ digests: Digest[]; done: Promise<void> }> {
    const digests = scannedImagesOf(await this.deps.image.manifests.get(repo, { kind: 'digest', digest }, [...MANIFEST_MEDIA_TYPES]));
    if (digests.length === 0) return { digests: [], done: Promise.resolve() };
    const jobs = await Promise.all(digests.map((d) => this.queue.add({ kind: 'scan', repository: repo, digest: d, priority: SCAN_PRIORITY[priority], requestedAt: this.deps.now() })));
    const done = Promise.all(jobs.map((j) => j.done)).then(() => undefined);
    done.catch(() => {});
    return { digests, done };
  }

  /** Queues a background scan of every image stored. Returns how many manifests were queued. */
  async scanAll(): Promise<number> {
    let count = 0;
    let after: { repository: string; digest: string } | undefined;
    for (;;) {
      const page = await this.deps.scans.images({}, after, PAGE);
      for (const image of page) {
        if (isIndexMediaType(image.mediaType)) continue;
        await this.queue.add({ kind: 'scan', repository: image.repository, digest: image.digest, priority: SCAN_PRIORITY.background, requestedAt: this.deps.now() });
        count++;
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) return count;
      after = { repository: last.repository, digest: last.digest };
    }
  }

  /** The audit subscriber: scans pushed images of projects with scan-on-push. Never throws. */
  onAuditEvent(event: AuditEvent): void {
    if (event.action !== 'registry.push' || event.result !== 'success' || !event.digest || !event.repository) return;
    if (!isDigest(event.digest) || !isRepoName(event.repository)) return;
    if (!this.deps.settings.policy(projectOf(event.repository)).scanOnPush) return;
    this.request(event.repository, event.digest, 'push').catch((err: unknown) => this.deps.log.error({ err, repository: event.repository, digest: event.digest }, 'scan: queueing a scan on push failed'));
  }

  private async rematchAll(revision: string): Promise<void> {
    let after = '';
    for (;;) {
      const digests = await this.deps.scans.resultDigests(after, PAGE);
      for (const digest of digests) {
        await this.queue.add({ kind: 'rematch', repository: '' as RepoName, digest, priority: SCAN_PRIORITY.background, requestedAt: this.deps.now() });
      }
      if (digests.length < PAGE) break;
      after = digests.at(-1)!;
    }
    this.deps.log.info({ revision }, 'scan: vulnerability data changed; stored results queued for re-matching');
  }

  private async run(job: ScanJob): Promise<void> {
    if (job.kind === 'rematch') return this.rematch(job.digest);
    return this.scan(job.repository, job.digest);
  }

  private async scan(repo: RepoName, digest: Digest): Promise<void> {
    const source = new BerthStorageSource(this.deps.image, repo, { kind: 'digest', digest });
    const [image] = await resolveImages(source);
    if (!image) return;
    const inventory = await this.deps.inventories.inventory(image.layers.map((l) => l.digest), (d) => source.openBlob(d as Digest));
    const scannedAt = this.deps.now();
    const { findings } = await this.store(digest, inventory, scannedAt);
    if (this.deps.referrers) {
      await attachSbom(this.deps.referrers, { repo, digest, mediaType: image.manifest.mediaType, sizeBytes: image.manifest.bytes.length }, inventory, scannedAt);
    }
    this.record({ action: 'scan.complete', project: projectOf(repo), repository: repo, digest, detail: { packages: inventory.packages.length, findings: findings.length, worst: worstSeverity(findings) } });
  }

  private async rematch(digest: Digest): Promise<void> {
    const previous = await this.deps.scans.findResult(digest);
    if (!previous) return;
    if (previous.revision === (await this.deps.matcher.revision())) return;
    const inventory = JSON.parse(previous.inventoryJson) as Inventory;
    const before = new Set((JSON.parse(previous.findingsJson) as VulnerabilityFinding[]).map(findingKey));
    const { findings } = await this.store(digest, inventory, previous.scannedAt);
    const added = findings.filter((f) => !before.has(findingKey(f)));
    if (added.length === 0) return;
    await this.announce(digest, added);
  }

  /** An audit event and an alert for vulnerabilities newly affecting a stored image. */
  private async announce(digest: Digest, added: VulnerabilityFinding[]): Promise<void> {
    const ids = [...new Set(added.map((f) => f.id))].sort();
    const where = await this.deps.scans.repositoriesOf(digest);
    const detail = { digest, repositories: where, ids, worst: worstSeverity(added) };
    for (const repository of where.length > 0 ? where : [null]) {
      this.record({ action: 'scan.vulnerability-new', project: repository && projectOf(repository as RepoName), repository, digest, detail: { ids, worst: detail.worst } });
    }
    this.deps.log.warn(detail, `scan: ${ids.length} vulnerabilities newly affect ${digest}`);
    await this.deps.alerts.record({ at: this.deps.now(), rule: NEW_VULNERABILITY_ALERT, principal: where[0] ?? digest, detail });
  }

  private async store(digest: Digest, inventory: Inventory, scannedAt: number): Promise<{ findings: VulnerabilityFinding[] }> {
    const revision = await this.deps.matcher.revision();
    const findings = await this.deps.matcher.match(inventory);
    const row: ScanResultRow = {
      digest, inventoryJson: JSON.stringify(inventory), findingsJson: JSON.stringify(findings), revision,
      worstSeverity: worstSeverity(findings), findingCount: findings.length, scannedAt, matchedAt: this.deps.now(),
    };
    await this.deps.scans.putResult(row, findingIds(findings));
    for (const l of this.resultListeners) l(digest);
    return { findings };
  }

  private record(e: Pick<AuditEventInput, 'action' | 'project' | 'repository' | 'digest' | 'detail'>): void {
    this.deps.audit.record({ at: this.deps.now(), actorKind: 'system', actorName: 'berth-scanner', sourceIp: null, reference: null, result: 'success', ...e });
  }
}
