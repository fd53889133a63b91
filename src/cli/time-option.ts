import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `24h`, `30d`, `2w` in milliseconds, or undefined when `raw` is not such a duration. Pure. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d{1,6})([smhdw])$/.exec(raw.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/**
 * A point in time for an option: an ISO 8601 date (`2025-06-01`, midnight UTC) or date-time
 * (`2025-06-01T12:00:00Z`, with or without an offset: local time without), or a duration counted from `nowMs`
 * into the past (`--from 24h`) or the future (`--expires 30d`). Returns RFC 3339 UTC text. Throws
 * CliError(CONFIG) naming `option`. Pure.
 */
export function parseTimeOption(raw: string, option: string, direction: 'past' | 'future', nowMs: number): string {
  const durationMs = parseDurationMs(raw);
  if (durationMs !== undefined) return new Date(direction === 'past' ? nowMs - durationMs : nowMs + durationMs).toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(ms)) {
    const example = direction === 'past' ? '24h, 7d or 2025-06-01T00:00:00Z' : '30d, 12h or 2026-01-01';
    throw new CliError(`invalid ${option} "${raw.slice(0, 60)}": give a duration (s, m, h, d, w) or an ISO date, e.g. ${example}`, EXIT.CONFIG);
  }
  return new Date(ms).toISOString();
}
