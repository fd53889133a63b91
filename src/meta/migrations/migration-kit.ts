import { sql, type ColumnDefinitionBuilder } from 'kysely';
import type { DialectName } from '../dialects/dialect.ts';

/** The few column spellings the two engines differ on; everything else in a migration is shared SQL. */
export interface MigrationKit {
  dialect: DialectName;
  /** A not-null name column that sorts bytewise in both engines, so pagination is lexical everywhere. */
  name(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The same bytewise order for a name column that may be null. */
  nullableName(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The binary column type. */
  bytes: 'bytea' | 'blob';
}

export function migrationKit(dialect: DialectName): MigrationKit {
  const isPostgres = dialect === 'postgres';
  return {
    dialect,
    name: (col) => (isPostgres ? col.notNull().modifyEnd(sql`collate "C"`) : col.notNull()),
    nullableName: (col) => (isPostgres ? col.modifyEnd(sql`collate "C"`) : col),
    bytes: isPostgres ? 'bytea' : 'blob',
  };
}
