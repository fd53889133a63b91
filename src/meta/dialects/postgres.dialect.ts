import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { MetaDialect } from './dialect.ts';

// bigint columns hold sizes and millisecond timestamps, all far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** PostgreSQL for installations that outgrow one machine; the same schema and SQL as SQLite. */
export function postgresDialect(opts: { url: string; poolSize: number }): MetaDialect {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize });
  return { name: 'postgres', dialect: new PostgresDialect({ pool }) };
}
