import { z } from 'zod';
import { AlertRulesSchema, DEFAULT_ALERT_RULES } from '../audit/alert-rules.ts';
import { parseCidr } from '../auth/ip-rules.ts';
import { DEFAULT_CHANNELS } from '../versions/tag-kind.ts';
import { parseDurationMs, parseSizeBytes } from './duration.ts';

const duration = z.union([z.string(), z.number()]).transform((raw, ctx) => {
  const ms = parseDurationMs(raw);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${String(raw)} (use e.g. 90s, 15m, 24h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

const size = z.union([z.string(), z.number()]).transform((raw, ctx) => {
  const bytes = parseSizeBytes(raw);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a size: ${String(raw)} (use e.g. 4MiB, 512k)` });
    return z.NEVER;
  }
  return bytes;
});

const listen = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:5000 or [::1]:5000');

const FilesystemStorage = z.strictObject({
  driver: z.literal('filesystem'),
  /** Defaults to `<data>`; blobs/, uploads/ and quarantine/ live under it on one filesystem, so a commit is one rename. */
  root: z.string().min(1).optional(),
});

const SqliteMetadata = z.strictObject({
  driver: z.literal('sqlite'),
  /** Defaults to `<data>/berth.db`. */
  path: z.string().min(1).optional(),
});

const PostgresMetadata = z.strictObject({
  driver: z.literal('postgres'),
  url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
  poolSize: z.number().int().min(1).max(200).default(10),
});

/**
 * A section that names no driver uses the default one, so `BERTH_STORAGE__ROOT=/mnt/blobs` alone (or a file
 * with only `metadata: { path: ... }`) configures the default driver instead of failing on a missing `driver`.
 */
function withDefaultDriver<T extends z.ZodType>(driver: string, union: T) {
  return z.preprocess((section: Record<string, unknown> | undefined) => {
    if (section === undefined) return { driver };
    return typeof section === 'object' && section !== null && !Array.isArray(section) && section.driver === undefined ? { driver, ...section } : section;
  }, union);
}

/** CIDRs as a YAML list, or one comma-separated string (`BERTH_AUTH__TRUSTED_PROXIES=10.0.0.0/8,::1`). */
const cidrList = z.union([z.array(z.string()), z.string()]).transform((raw, ctx) => {
  const items = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : raw;
  for (const item of items) {
    try {
      parseCidr(item);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }
  return items;
});

// A realm and service go into a quoted WWW-Authenticate parameter: no control characters.
const headerSafe = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

const MAX_TOKEN_TTL_MS = 24 * 3_600_000;

const Auth = z.strictObject({
  /** false = everyone may do everything; refused unless `listen` is a loopback address. */
  enabled: z.boolean().default(true),
  /** The token audience, and `service` in the registry's WWW-Authenticate challenge. */
  service: headerSafe.default('berth'),
  /** `iss` of registry tokens. */
  issuer: headerSafe.default('berth'),
  /** Lifetime of a registry token. */
  tokenTtl: duration.default(5 * 60_000).refine((ms) => ms >= 1_000 && ms <= MAX_TOKEN_TTL_MS, 'must be between 1s and 24h'),
  /** Password of the first admin, created when no user exists (else BERTH_ADMIN_PASSWORD, else one is generated and printed once). */
  adminPassword: z.string().min(1).max(1024).optional(),
  /** A signed-in user's push into a project that does not exist creates it, owned by them. */
  selfServiceProjects: z.boolean().default(false),
  /** Proxies whose X-Forwarded-For is believed when finding the client address (IP rules, throttling, audit). */
  trustedProxies: cidrList.default([]),
  /** How long a verified Basic password is remembered, so argon2 does not run per registry request. */
  basicCacheTtl: duration.default(60_000),
}).prefault({});

const Audit = z.strictObject({
  /** Audit events older than this are deleted (the chain keeps verifying from its new anchor). */
  retention: duration.default(365 * 86_400_000).refine((ms) => ms >= 60_000, 'must be at least 1m'),
}).prefault({});

/**
 * Threshold alerts over the audit stream (src/audit/alert-rules.ts). Giving `rules` replaces the default list
 * (pull and delete floods, repeated failed logins per account and per address).
 */
const Alerts = z.preprocess((section: Record<string, unknown> | undefined) => {
  if (section === undefined) return { rules: DEFAULT_ALERT_RULES.rules };
  const isMapping = typeof section === 'object' && section !== null && !Array.isArray(section);
  return isMapping && section.rules === undefined ? { rules: DEFAULT_ALERT_RULES.rules, ...section } : section;
}, AlertRulesSchema);

/** Whether a `listen` host is a loopback address, where running without authentication is allowed. */
export function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || /^::ffff:127\./.test(host);
}

export const ConfigSchema = z.strictObject({
  listen: listen.default('127.0.0.1:5000'),
  data: z.string().min(1).default('./data'),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
  storage: withDefaultDriver('filesystem', z.discriminatedUnion('driver', [FilesystemStorage])),
  metadata: withDefaultDriver('sqlite', z.discriminatedUnion('driver', [SqliteMetadata, PostgresMetadata])),
  uploads: z.strictObject({
    /** An upload untouched for this long is abandoned: its session and bytes are deleted. */
    expireAfter: duration.default(24 * 3_600_000),
    /** How often the expiry sweep runs. */
    sweepEvery: duration.default(10 * 60_000),
  }).prefault({}),
  gc: z.strictObject({
    /**
     * Content linked (or uploaded) less than this long ago is never collected: a blob pushed before the manifest
     * that uses it, or a manifest pushed by digest before its index. Longer than any push takes.
     */
    grace: duration.pipe(z.number().min(1000, 'gc.grace must be at least 1s')).default(3_600_000),
    /** Run garbage collection this often (0: only on request, `berth gc` or POST /api/v1/gc). */
    every: duration.default(0),
    /** Run every project's retention rules this often (0: only on request). */
    retentionEvery: duration.default(0),
  }).prefault({}),
  limits: z.strictObject({
    manifestMaxBytes: size.default(4 * 1024 * 1024),
  }).prefault({}),
  http: z.strictObject({
    /** Public base URL, when Berth sits behind a proxy; otherwise Locations are path-absolute. */
    publicUrl: z.url().optional(),
    /** Trust X-Forwarded-* headers (only behind a proxy you control). */
    trustProxy: z.boolean().default(false),
  }).prefault({}),
  auth: Auth,
  audit: Audit,
  alerts: Alerts,
  vulndb: z.strictObject({
    /** An OSV bucket layout (`<base>/<ECOSYSTEM>/all.zip`, `modified_id.csv`, `<id>.json`): OSV's public bucket or a mirror. */
    baseUrl: z.url().default('https://osv-vulnerabilities.storage.googleapis.com'),
    /** OSV ecosystems a sync fetches when none are named (`Debian`, `Alpine`, `npm`, `PyPI`, ...). */
    ecosystems: z.array(z.string().min(1)).default([]),
    /** The largest upload to POST /api/v1/vulndb/import (OSV's biggest all.zip is a few hundred MB). */
    importMaxBytes: size.default(4 * 1024 * 1024 * 1024),
  }).prefault({}),
  tags: z.strictObject({
    /** Tags that name a deployment channel (tag kind `channel`), in promotion order; tag rules may require them. */
    channels: z.array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a tag')).min(1).default([...DEFAULT_CHANNELS]),
  }).prefault({}),
  versions: z.strictObject({
    /**
     * Manifests that tag history points to within this window are kept by GC and retention even when untagged,
     * so rollback and restore find them (docs/design/tag-history.md).
     */
    historyWindow: duration.default(30 * 86_400_000),
  }).prefault({}),
  scan: z.strictObject({
    /** Inventory worker threads: image scans running at once (re-matching stored inventories needs none). */
    workers: z.number().int().min(1).max(32).default(1),
  }).prefault({}),
}).superRefine((config, ctx) => {
  if (!config.auth.enabled && !isLoopbackListen(config.listen)) {
    ctx.addIssue({ code: 'custom', path: ['auth', 'enabled'], message: `auth.enabled: false is allowed only when listening on a loopback address (listen is ${config.listen})` });
  }
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type StorageConfig = Config['storage'];
export type MetadataConfig = Config['metadata'];
