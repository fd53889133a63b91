import { z } from 'zod';
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
  /** Defaults to `<data>/blobs`; uploads live beside the blobs so a commit is one rename. */
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
  limits: z.strictObject({
    manifestMaxBytes: size.default(4 * 1024 * 1024),
  }).prefault({}),
  http: z.strictObject({
    /** Public base URL, when Berth sits behind a proxy; otherwise Locations are path-absolute. */
    publicUrl: z.url().optional(),
    /** Trust X-Forwarded-* headers (only behind a proxy you control). */
    trustProxy: z.boolean().default(false),
  }).prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type StorageConfig = Config['storage'];
export type MetadataConfig = Config['metadata'];
