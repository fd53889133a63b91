import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import type { MetaDialect } from './dialect.ts';
import { cachingStatements } from './statement-cache.ts';

/**
 * Kysely's SQLite transactions start with a deferred `begin`, and it runs migrations outside any transaction.
 * Two processes starting on a fresh file then both see no migration applied and the second fails on tables the
 * first just created; a crash mid-migration leaves half a schema. `begin immediate` takes the write lock first
 * (waiting out busy_timeout), so the state a transaction reads is the state it writes on, and SQLite's DDL is
 * transactional, so each migration commits whole or not at all.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class BerthSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: cachingStatements(this.database) });
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

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
  return { name: 'sqlite', dialect: new BerthSqliteDialect(database) };
}
