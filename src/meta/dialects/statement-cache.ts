import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; `in (?, ?, ...)` lists of varying length make some texts one-offs. */
const MAX_STATEMENTS = 256;

interface PreparingDatabase {
  close(): void;
  prepare(sql: string): SqliteStatement & { readonly busy?: boolean };
}

/**
 * Kysely's SQLite driver prepares every query anew, which costs more than running it on the hot lookups. This
 * wrapper keeps prepared statements by SQL text (least recently used dropped first). better-sqlite3 runs a
 * statement synchronously, so one statement is never used by two queries at once; the exception is a streamed
 * query (`iterate`) left open, and a busy statement is never handed out again: a fresh one is prepared.
 * Parameters are bound on every call, so a cached statement carries nothing from one query to the next.
 */
export function cachingStatements(database: PreparingDatabase): SqliteDatabase {
  const statements = new Map<string, SqliteStatement & { readonly busy?: boolean }>();
  return {
    close() {
      statements.clear();
      database.close();
    },
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined && cached.busy !== true) {
        // Re-insert to mark it most recently used.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached === undefined) {
        statements.set(sql, statement);
        if (statements.size > MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}
