import type { Dialect } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** A configured SQL engine: the Kysely dialect plus what migrations need to know about it. */
export interface MetaDialect {
  name: DialectName;
  /** Kysely's `destroy()` releases its connections (the SQLite file handle, the PostgreSQL pool). */
  dialect: Dialect;
}
