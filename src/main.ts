import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AlertEngine } from './audit/alert-rules.ts';
import { subscribeAlerts } from './audit/alert-subscriber.ts';
import { scheduleAuditRetention } from './audit/audit-retention.ts';
import { createAuthServices, type AuthServices } from './auth/auth-services.ts';
import type { Config } from './config/config.schema.ts';
import { buildHttpServer } from './http/server.ts';
import { parseCidrList } from './auth/ip-rules.ts';
import { createIdentityServices } from './identity/identity-services.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { sqliteDialect } from './meta/dialects/sqlite.dialect.ts';
import type { MetaDialect } from './meta/dialects/dialect.ts';
import { openMetaStore, type MetaStore } from './meta/meta-store.ts';
import { BlobService } from './registry/blob.service.ts';
import { blobRoutes } from './registry/blob.routes.ts';
import { CatalogService } from './registry/catalog.service.ts';
import { listingRoutes } from './registry/listing.routes.ts';
import { manifestRoutes } from './registry/manifest.routes.ts';
import { PullPolicies } from './registry/pull-policy.enforcer.ts';
import { createTrustServices } from './trust/trust-services.ts';
import { signedByGate } from './trust/signed-by.gate.ts';
import type { VulnerabilityMatcher } from './scan/match/vulnerability-matcher.ts';
import { startRegistryScanning, type RegistryScanning } from './scan/registry/registry-scanning.ts';
import { scanCleanGate } from './scan/registry/scan-clean.gate.ts';
import { registryReferrerWriter } from './scan/registry/sbom-referrer.ts';
import { ManifestService } from './registry/manifest.service.ts';
import { UploadService } from './registry/upload.service.ts';
import { ANALYSIS_SCHEMA_VERSION } from './analyze/analysis.types.ts';
import { AnalysisService } from './storage-report/analysis.service.ts';
import { StorageReportService } from './storage-report/storage-report.service.ts';
import { createVulnDbServices } from './scan/vulndb/vulndb-services.ts';
import { GcService } from './gc/gc.service.ts';
import { scheduleEvery } from './gc/job-schedule.ts';
import { RetentionService } from './versions/retention.service.ts';
import { RollbackService } from './versions/rollback.service.ts';
import { PromotionGateService } from './versions/promotion-gates.service.ts';
import { gateCatalogue, minAgeGate, pulledByGate, releaseNoteGate } from './versions/promotion-gates.ts';
import { PromotionService } from './versions/promotion.service.ts';
import { ReleaseNoteService } from './versions/release-note.service.ts';
import { uploadRoutes } from './registry/upload.routes.ts';
import { ProductionPullPolicy } from './versions/production-pull.policy.ts';
import { createTagGuard } from './versions/tag-guard.ts';
import { TagListService } from './versions/tag-list.service.ts';
import { TagRuleService } from './versions/tag-rule.service.ts';
import type { BlobDriver } from './storage/blob-driver.ts';
import { FsBlobDriver } from './storage/filesystem/fs.driver.ts';

export interface RunningBerth {
  config: Config;
  app: FastifyInstance;
  /** Base URL the server listens on, e.g. http://127.0.0.1:5000. */
  url: string;
  log: Logger;
  /** The metadata store and the identity services, for embedding and tests (e.g. creating users directly). */
  meta: MetaStore;
  auth: AuthServices;
  /** The image analysis service (its `computations` count shows cache misses to tests). */
  analysis: AnalysisService;
  /** Registry scanning (#5): the scan service and its queue, reports, policies. */
  scanning: RegistryScanning;
  /**
   * Stops accepting requests, finishes in-flight ones (cutting any still running after a grace period), closes
   * the stores. Idempotent.
   */
  close(): Promise<void>;
}

/** The management API's version, shown in its OpenAPI document. */
const API_VERSION = '0.1.0';

/** How long a graceful stop waits for in-flight requests before cutting their connections. */
const SHUTDOWN_GRACE_MS = 8_000;

/** How long a stop waits for buffered audit events to reach the database before giving them up (logged). */
const AUDIT_CLOSE_TIMEOUT_MS = 10_000;

/** The composition root: the only place that names concrete drivers. */
async function metadataDialect(config: Config): Promise<MetaDialect> {
  const meta = config.metadata;
  switch (meta.driver) {
    case 'sqlite':
      return sqliteDialect({ path: resolve(meta.path ?? resolve(config.data, 'berth.db')) });
    case 'postgres': {
      // Loaded only when configured: an embedded install never pays for the PostgreSQL client.
      const { postgresDialect } = await import('./meta/dialects/postgres.dialect.ts');
      return postgresDialect({ url: meta.url, poolSize: meta.poolSize });
    }
  }
}

async function blobDriver(config: Config): Promise<BlobDriver> {
  switch (config.storage.driver) {
    case 'filesystem':
      return FsBlobDriver.open({ root: resolve(config.storage.root ?? config.data) });
  }
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(i + 1)) };
}

/** Wires config -> drivers -> stores -> services -> HTTP and background work, then listens. */
export async function startBerth(config: Config, opts: { log?: Logger; /** Tests: another vulnerability matcher than the database's. */ matcher?: VulnerabilityMatcher } = {}): Promise<RunningBerth> {
  const log = opts.log ?? createLogger(config.log.level);
  const now = Date.now;
  const driver = await blobDriver(config);
  const meta: MetaStore = await openMetaStore(await metadataDialect(config), now);

  let auth: AuthServices;
  try {
    auth = await createAuthServices({
      config, store: meta, log, now,
      adminPasswordFromEnv: process.env.BERTH_ADMIN_PASSWORD,
      writeSecretLine: (line) => process.stderr.write(line),
    });
  } catch (err) {
    await meta.close();
    throw err;
  }
  const uploads = new UploadService({ driver, meta, log, now });
  const blobs = new BlobService({ driver, meta });
  // Tag rules (#4): one guard for every path that moves a tag, holding the rules in memory.
  const tagGuard = createTagGuard({ tagRules: meta.tagRules, channels: config.tags.channels, now });
  const manifests = new ManifestService({ meta, uploads, manifestMaxBytes: config.limits.manifestMaxBytes, tagGuard });
  const catalog = new CatalogService({ meta });
  // The vulnerability database (#5): one VulnDbService, whose change events drive re-matching, for the vulndb
  // routes (imports and syncs by administrators, audited), registry scanning and `berth scan`'s matching.
  const { vulndb, admin: vulndbAdmin, matcher } = createVulnDbServices({ repo: meta.vulndb, audit: auth.audit, now, config: config.vulndb });
  // Pull policies (#7): enforced on /v2 pulls; each feature registers its own (trust, vulnerability, ...).
  const pullPolicies = new PullPolicies({ lookups: meta.trust });
  const trust = await createTrustServices({ repo: meta.trust, manifests, blobs, audit: auth.audit, log, now });
  pullPolicies.register(trust.pullPolicy);
  // Production protection (#4): pulling `latest` in a production project that refuses it.
  pullPolicies.register(new ProductionPullPolicy(tagGuard));
  // Registry scanning (#5): scans on push, on demand and on every vulnerability data change (re-matching stored
  // inventories), inventories in worker threads; its vulnerability pull policy.
  const scanning = await startRegistryScanning({
    image: { manifests, blobs },
    scans: meta.scans,
    matcher: opts.matcher ?? matcher,
    referrers: registryReferrerWriter({ uploads, manifests }),
    audit: auth.audit,
    alerts: meta.alerts,
    workers: config.scan.workers,
    now,
    log,
  });
  pullPolicies.register(scanning.pullPolicy);
  const identity = createIdentityServices({
    store: meta,
    audit: auth.audit,
    invalidate: () => auth.access.invalidate(),
    forgetCredentials: (name) => auth.authentication.forget(name),
    selfServiceProjects: config.auth.selfServiceProjects,
    now,
  });

  const tagRules = new TagRuleService({
    rules: meta.tagRules,
    channels: config.tags.channels,
    fx: { audit: auth.audit, invalidate: () => tagGuard.invalidate(), forgetCredentials: () => undefined, now },
  });
  const tagList = new TagListService({ tagDetails: meta.tagDetails, repositories: meta.repositories, channels: config.tags.channels });

  const storageReport = new StorageReportService({ storage: meta.storage, analyses: meta.analyses, engineVersion: ANALYSIS_SCHEMA_VERSION });
  const analysis = new AnalysisService({ image: { manifests, blobs }, cache: meta.analyses, storage: meta.storage, projects: meta.projects, now });
  // Garbage collection (#4): manual (API, CLI) or every gc.every; one run at a time across nodes.
  const gc = new GcService({ gc: meta.gc, blobs: driver, audit: auth.audit, log, now, graceMs: config.gc.grace, historyWindowMs: config.versions.historyWindow });
  // Retention (#4): per-project keep rules, run on request or every gc.retentionEvery; deletes go through the TagGuard.
  const retention = new RetentionService({ retention: meta.retention, gc: meta.gc, tags: meta.tags, guard: tagGuard, audit: auth.audit, now, historyWindowMs: config.versions.historyWindow });
  const rollback = new RollbackService({ history: meta.tagHistory, guard: tagGuard, audit: auth.audit, now });
  // Promotion (#4). Gate kinds are the plug-in point: scan and signature gates join this list.
  const releaseNotes = new ReleaseNoteService({ manifests, blobs });
  const promotionGates = new PromotionGateService({
    repo: meta.promotionGates,
    gates: gateCatalogue([minAgeGate({ linkedAt: (r, d) => meta.promotionGates.linkedAt(r, d), now }), pulledByGate({ audit: meta.audit }), releaseNoteGate(releaseNotes),
      signedByGate({ policies: trust.policies, source: trust.source, now }),
      scanCleanGate({ manifests, results: meta.scans, settings: scanning.settings, scans: scanning.scans, now })]),
    audit: auth.audit,
    now,
  });
  const promotions = new PromotionService({ store: meta, gates: promotionGates, tagGuard, audit: auth.audit, now });

  const app = await buildHttpServer({
    log,
    trustProxy: config.http.trustProxy,
    registry: {
      gate: auth.gate,
      ...(config.http.publicUrl !== undefined ? { publicUrl: config.http.publicUrl } : {}),
    },
    tokenEndpoint: auth.tokenEndpoint,
    api: {
      authenticator: auth.authentication,
      access: auth.access,
      services: { ...identity, storageReport, analysis, vulndb: vulndbAdmin, matcher, rollback, promotions, promotionGates, releaseNotes, tagRules, tagList, gc, retention, trust: trust.policies, scanning },
      trustedProxies: parseCidrList(config.auth.trustedProxies),
      isAuthEnabled: config.auth.enabled,
      version: API_VERSION,
    },
    registryRoutes: [
      ...blobRoutes(blobs, pullPolicies),
      ...uploadRoutes({ uploads, blobs: meta.blobs }),
      ...manifestRoutes(manifests, pullPolicies),
      ...listingRoutes({ catalog, manifests }),
    ],
    readiness: [
      { name: 'metadata', ping: () => meta.ping() },
      { name: 'storage', ping: () => driver.ping() },
    ],
  });

  const sweepUploads = async () => {
    try {
      const removed = await uploads.sweep(now() - config.uploads.expireAfter);
      if (removed > 0) log.info({ removed }, 'expired abandoned uploads');
    } catch (err) {
      log.error({ err }, 'upload expiry sweep failed');
    }
  };
  await sweepUploads();
  const sweeper = setInterval(sweepUploads, config.uploads.sweepEvery);
  sweeper.unref();

  // Alerts: every stored audit event goes through the threshold rules (alerts.rules); fired ones are stored.
  const stopAlerts = subscribeAlerts({ audit: auth.audit, engine: new AlertEngine(config.alerts), alerts: meta.alerts, log });
  // Audit retention (audit.retention): an hourly sweep on an unref'd timer, once at start too.
  const auditRetention = scheduleAuditRetention({ audit: meta.audit, retentionMs: config.audit.retention, now, log });
  const SYSTEM_ACTOR = { kind: 'system' as const, name: 'system', userId: null, sourceIp: null };
  const scheduledGc = scheduleEvery('gc', config.gc.every, () => gc.run({ dryRun: false, actor: SYSTEM_ACTOR }), log);
  const scheduledRetention = scheduleEvery('retention', config.gc.retentionEvery, () => retention.runAll(SYSTEM_ACTOR), log);

  const { host, port } = parseListen(config.listen);
  try {
    await app.listen({ host, port });
  } catch (err) {
    clearInterval(sweeper);
    trust.stop();
    await scanning.stop();
    await scheduledGc.stop();
    await scheduledRetention.stop();
    await auditRetention.stop();
    await auth.audit.close({ timeoutMs: AUDIT_CLOSE_TIMEOUT_MS });
    stopAlerts();
    await meta.close();
    throw err;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  log.info({ url, data: resolve(config.data), metadata: meta.dialect, storage: config.storage.driver }, 'berth is listening');

  let closing: Promise<void> | undefined;
  return {
    config,
    app,
    url,
    log,
    meta,
    auth,
    analysis,
    scanning,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
    trust.stop();
        // In-flight requests get a grace period, but a stalled client (an upload whose sender hung) must not
        // hold shutdown forever: its connection is cut, and a chunked upload's session resumes after restart.
        const cutStragglers = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(cutStragglers);
        }
        await scheduledGc.stop();
        await scheduledRetention.stop();
        await scanning.stop();
        await auditRetention.stop();
        auth.pullAudit.closeAll();
        await auth.audit.close({ timeoutMs: AUDIT_CLOSE_TIMEOUT_MS });
        stopAlerts();
        await meta.close();
        await driver.close();
      })();
      return closing;
    },
  };
}
