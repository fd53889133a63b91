import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { MetaDialect } from './dialect.ts';

/**
 * The embedded default. WAL with synchronous=NORMAL: a commit survives a process crash (kill -9) and the file
 * is never corrupted; a power loss may drop the last few commits, never half of one.
 */
export function sqliteDialect(opts: { path: string }): MetaDialect {
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  const database = new SQLite(opts.path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return { name: 'sqlite', dialect: new SqliteDialect({ database }) };
}
