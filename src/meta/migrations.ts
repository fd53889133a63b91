import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './dialects/dialect.ts';
import { migration0001_registry_core } from './migrations/0001-registry-core.ts';
import { migration0002_identity } from './migrations/0002-identity.ts';
import { migration0003_image_analyses } from './migrations/0003-image-analyses.ts';
import { migration0004_tag_rules } from './migrations/0004-tag-rules.ts';
import { migration0005_tag_history } from './migrations/0005-tag-history.ts';
import { migration0007_retention_gc } from './migrations/0007-retention-gc.ts';
import { migration0010_trust_policies } from './migrations/0010-trust-policies.ts';
import { migration0006_promotion_gates } from './migrations/0006-promotion-gates.ts';
import { migration0008_vulndb } from './migrations/0008-vulndb.ts';
import { migration0009_scans } from './migrations/0009-scans.ts';
import { migrationKit, type MigrationKit } from './migrations/migration-kit.ts';

/**
 * Versioned migrations, applied in order at start-up, one file each under migrations/. Never edit a released
 * migration: add the next one (a new file and one line here). Numbers are never reused.
 */
const MIGRATIONS: Array<[string, (kit: MigrationKit) => Migration]> = [
  ['0001_registry_core', migration0001_registry_core],
  ['0002_identity', migration0002_identity],
  ['0003_image_analyses', migration0003_image_analyses],
  ['0004_tag_rules', migration0004_tag_rules],
  ['0005_tag_history', migration0005_tag_history],
  ['0010_trust_policies', migration0010_trust_policies],
  ['0006_promotion_gates', migration0006_promotion_gates],
  ['0008_vulndb', migration0008_vulndb],
  ['0009_scans', migration0009_scans],
  ['0007_retention_gc', migration0007_retention_gc],
];

function migrations(dialect: DialectName): Record<string, Migration> {
  const kit = migrationKit(dialect);
  return Object.fromEntries(MIGRATIONS.map(([name, make]) => [name, make(kit)]));
}

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/** Applies every pending migration; throws with the failing migration's name. Safe to run on every start. */
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  // Unordered: features add their own tables in parallel, so a later-numbered migration may already be applied.
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect), migrationTableName: 'berth_migrations', migrationLockTableName: 'berth_migrations_lock', allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`metadata migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
