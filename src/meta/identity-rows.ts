import { randomBytes } from 'node:crypto';
import type { InsertResult } from 'kysely';
import { BerthError } from '../errors/berth-error.ts';

/** Flags are stored as 0/1 in both dialects. */
export const flag = (value: boolean): number => (value ? 1 : 0);

/**
 * For an `insert ... on conflict do nothing`: a row not inserted means the unique name was taken. Checking the
 * count, rather than catching each driver's unique-violation error, keeps this dialect-neutral and leaves a
 * PostgreSQL transaction usable.
 */
export function insertedOrConflict(result: InsertResult, detail: Record<string, unknown>): void {
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) throw new BerthError('CONFLICT', { detail });
}

let lastIdMs = 0;
let idCounter = 0;

/**
 * A UUIDv7 (RFC 9562): milliseconds first, then a counter, so ids made by one process sort in creation order
 * (listings ordered by id show rules and alerts in the order they were added) and index inserts stay local.
 * The wall clock, not an injected one: the order must hold even when a test clock stands still.
 */
export function orderedId(): string {
  let ms = Date.now();
  if (ms <= lastIdMs) {
    ms = lastIdMs;
    if (++idCounter > 0xfff) {
      ms = ++lastIdMs;
      idCounter = 0;
    }
  } else {
    lastIdMs = ms;
    idCounter = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (idCounter >> 8);
  bytes[7] = idCounter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
