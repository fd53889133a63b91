/**
 * The OSV record format (ossf/osv-schema 1.x), validated with zod. Unknown fields are kept, never refused, so
 * newer schema versions and database-specific extensions still load; `null` is accepted wherever a field is
 * optional, as some feeds write it.
 */
import { z } from 'zod';
import { fail, ok, type ParseResult } from '../versions/version-scheme.ts';

const strings = z.array(z.string()).nullish();

export const OsvSeveritySchema = z.looseObject({
  /** CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu; others are kept and ignored. */
  type: z.string(),
  score: z.string(),
});

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKind = (typeof EVENT_KEYS)[number];

export const OsvEventSchema = z
  .looseObject({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .refine((e) => EVENT_KEYS.filter((k) => e[k] !== undefined).length === 1, {
    message: 'an event has exactly one of introduced, fixed, last_affected, limit',
  });

export const OsvRangeSchema = z.looseObject({
  /** SEMVER, ECOSYSTEM or GIT; an unknown type is kept and never matches. */
  type: z.string(),
  repo: z.string().nullish(),
  events: z.array(OsvEventSchema).min(1),
  database_specific: z.unknown().optional(),
});

export const OsvPackageSchema = z.looseObject({
  ecosystem: z.string().min(1),
  name: z.string().min(1),
  purl: z.string().nullish(),
});

export const OsvAffectedSchema = z.looseObject({
  package: OsvPackageSchema.nullish(),
  severity: z.array(OsvSeveritySchema).nullish(),
  ranges: z.array(OsvRangeSchema).nullish(),
  versions: strings,
  ecosystem_specific: z.unknown().optional(),
  database_specific: z.unknown().optional(),
});

export const OsvRecordSchema = z.looseObject({
  schema_version: z.string().nullish(),
  id: z.string().min(1),
  modified: z.string().min(1),
  published: z.string().nullish(),
  withdrawn: z.string().nullish(),
  aliases: strings,
  related: strings,
  upstream: strings,
  summary: z.string().nullish(),
  details: z.string().nullish(),
  severity: z.array(OsvSeveritySchema).nullish(),
  affected: z.array(OsvAffectedSchema).nullish(),
  references: z.array(z.looseObject({ type: z.string(), url: z.string() })).nullish(),
  credits: z.array(z.unknown()).nullish(),
  database_specific: z.unknown().optional(),
});

export type OsvRecord = z.infer<typeof OsvRecordSchema>;
export type OsvAffected = z.infer<typeof OsvAffectedSchema>;
export type OsvRange = z.infer<typeof OsvRangeSchema>;
export type OsvEvent = z.infer<typeof OsvEventSchema>;
export type OsvSeverity = z.infer<typeof OsvSeveritySchema>;

/** Validates one parsed JSON value as an OSV record; the error lists every problem with its path. */
export function parseOsvRecord(json: unknown): ParseResult<OsvRecord> {
  const result = OsvRecordSchema.safeParse(json);
  return result.success ? ok(result.data) : fail(z.prettifyError(result.error));
}

/** The kind and version of an event (exactly one is set once validated). */
export function eventOf(e: OsvEvent): { kind: OsvEventKind; version: string } {
  for (const kind of EVENT_KEYS) {
    const version = e[kind];
    if (version !== undefined) return { kind, version };
  }
  throw new Error('unreachable: OsvEventSchema guarantees one event key');
}
