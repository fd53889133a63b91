import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** One advisory ready to store: the service has validated the record and derived its index keys. */
export interface AdvisoryInput {
  id: string;
  source: string;
  modified: string;
  withdrawn: string | null;
  /** The record's JSON. */
  recordJson: string;
  /** Each (ecosystem base lower-cased, normalised package name) the record names; duplicates are allowed. */
  affected: ReadonlyArray<{ ecosystem: string; package: string }>;
  /** Other ids of the same vulnerability. */
  aliases: readonly string[];
}

export interface UpsertCounts {
  added: number;
  updated: number;
  unchanged: number;
}

export interface StoredAdvisory {
  id: string;
  recordJson: string;
}

export interface SourceFreshness {
  name: string;
  recordCount: number;
  withdrawnCount: number;
  modifiedWatermark: string | null;
  lastImportAt: number | null;
  lastSyncAt: number | null;
}

export interface VulnDbRepo {
  /**
   * Stores the advisories in one transaction. An advisory already stored with the same `modified` and JSON is
   * left alone (unchanged); otherwise its row, package index and aliases are replaced. Idempotent.
   */
  upsert(advisories: readonly AdvisoryInput[], at: number): Promise<UpsertCounts>;
  /**
   * Every advisory naming any of `packages` in `ecosystem` (lower-cased base), each once. One indexed query per
   * few hundred names. Withdrawn advisories are included: the evaluator refuses them with its reason.
   */
  candidates(ecosystem: string, packages: readonly string[]): Promise<StoredAdvisory[]>;
  /** The advisory stored under `id`, or undefined. */
  get(id: string): Promise<StoredAdvisory | undefined>;
  /** Ids of advisories whose own id or an alias is `id` (exact), sorted. */
  idsKnownAs(id: string): Promise<string[]>;
  /** Recounts the source's records and watermark and stamps the import or sync time; returns the new row. */
  refreshSource(name: string, stamp: { importedAt?: number; syncedAt?: number }): Promise<SourceFreshness>;
  /** The freshness of every source, by name. */
  sources(): Promise<SourceFreshness[]>;
  /** The data revision, or undefined before any data was stored. */
  revision(): Promise<string | undefined>;
  setRevision(revision: string): Promise<void>;
}

/** Rows per multi-row statement and names per IN list: well under both engines' parameter limits. */
const CHUNK = 200;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

export class VulnDbRepoImpl implements VulnDbRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(advisories: readonly AdvisoryInput[], at: number): Promise<UpsertCounts> {
    // The last copy of an id in one batch wins, as it would across batches.
    const batch = [...new Map(advisories.map((a) => [a.id, a])).values()];
    const counts: UpsertCounts = { added: 0, updated: 0, unchanged: 0 };
    if (batch.length === 0) return counts;
    await this.db.transaction().execute(async (trx) => {
      const existing = new Map<string, { modified: string; record: string }>();
      for (const ids of chunks(batch.map((a) => a.id))) {
        const rows = await trx.selectFrom('vuln_advisories').select(['id', 'modified', 'record']).where('id', 'in', ids).execute();
        for (const r of rows) existing.set(r.id, r);
      }
      const changed = batch.filter((a) => {
        const old = existing.get(a.id);
        if (old === undefined) counts.added++;
        else if (old.modified === a.modified && old.record === a.recordJson) counts.unchanged++;
        else counts.updated++;
        return old === undefined || old.modified !== a.modified || old.record !== a.recordJson;
      });
      await replace(trx, changed.filter((a) => existing.has(a.id)).map((a) => a.id));
      for (const part of chunks(changed)) {
        await trx.insertInto('vuln_advisories')
          .values(part.map((a) => ({ id: a.id, source: a.source, modified: a.modified, withdrawn: a.withdrawn, record: a.recordJson, imported_at: at })))
          .execute();
      }
      const affected = uniqueBy(changed.flatMap((a) => a.affected.map((x) => ({ advisory_id: a.id, ecosystem: x.ecosystem, package: x.package }))), (r) => `${r.advisory_id}\0${r.ecosystem}\0${r.package}`);
      for (const part of chunks(affected)) await trx.insertInto('vuln_affected').values(part).execute();
      const aliases = uniqueBy(changed.flatMap((a) => a.aliases.filter((x) => x !== a.id).map((alias) => ({ alias, advisory_id: a.id }))), (r) => `${r.alias}\0${r.advisory_id}`);
      for (const part of chunks(aliases)) await trx.insertInto('vuln_aliases').values(part).execute();
    });
    return counts;
  }

  async candidates(ecosystem: string, packages: readonly string[]): Promise<StoredAdvisory[]> {
    const out = new Map<string, StoredAdvisory>();
    for (const names of chunks([...new Set(packages)])) {
      const rows = await this.db
        .selectFrom('vuln_advisories as v')
        .select(['v.id', 'v.record'])
        .where('v.id', 'in', (eb) => eb.selectFrom('vuln_affected').select('advisory_id').where('ecosystem', '=', ecosystem).where('package', 'in', names))
        .orderBy('v.id')
        .execute();
      for (const r of rows) out.set(r.id, { id: r.id, recordJson: r.record });
    }
    return [...out.values()];
  }

  async get(id: string): Promise<StoredAdvisory | undefined> {
    const row = await this.db.selectFrom('vuln_advisories').select(['id', 'record']).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, recordJson: row.record };
  }

  async idsKnownAs(id: string): Promise<string[]> {
    const own = await this.db.selectFrom('vuln_advisories').select('id').where('id', '=', id).execute();
    const aliased = await this.db.selectFrom('vuln_aliases').select('advisory_id as id').where('alias', '=', id).execute();
    return [...new Set([...own, ...aliased].map((r) => r.id))].sort();
  }

  async refreshSource(name: string, stamp: { importedAt?: number; syncedAt?: number }): Promise<SourceFreshness> {
    return this.db.transaction().execute(async (trx) => {
      const agg = await trx.selectFrom('vuln_advisories')
        .select((eb) => [eb.fn.countAll().as('total'), eb.fn.count('withdrawn').as('withdrawn'), eb.fn.max('modified').as('watermark')])
        .where('source', '=', name)
        .executeTakeFirstOrThrow();
      const old = await trx.selectFrom('vuln_sources').selectAll().where('name', '=', name).executeTakeFirst();
      const row = {
        name,
        record_count: Number(agg.total),
        withdrawn_count: Number(agg.withdrawn),
        modified_watermark: (agg.watermark as string | null) ?? null,
        last_import_at: stamp.importedAt ?? (old?.last_import_at == null ? null : Number(old.last_import_at)),
        last_sync_at: stamp.syncedAt ?? (old?.last_sync_at == null ? null : Number(old.last_sync_at)),
      };
      if (old) await trx.updateTable('vuln_sources').set(row).where('name', '=', name).execute();
      else await trx.insertInto('vuln_sources').values(row).execute();
      return toFreshness(row);
    });
  }

  async sources(): Promise<SourceFreshness[]> {
    const rows = await this.db.selectFrom('vuln_sources').selectAll().orderBy('name').execute();
    return rows.map(toFreshness);
  }

  async revision(): Promise<string | undefined> {
    const row = await this.db.selectFrom('vuln_state').select('value').where('key', '=', 'revision').executeTakeFirst();
    return row?.value;
  }

  async setRevision(revision: string): Promise<void> {
    await this.db.insertInto('vuln_state').values({ key: 'revision', value: revision })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: revision }))
      .execute();
  }
}

async function replace(trx: Transaction<Database>, ids: readonly string[]): Promise<void> {
  for (const part of chunks(ids)) {
    await trx.deleteFrom('vuln_affected').where('advisory_id', 'in', part).execute();
    await trx.deleteFrom('vuln_aliases').where('advisory_id', 'in', part).execute();
    await trx.deleteFrom('vuln_advisories').where('id', 'in', part).execute();
  }
}

function toFreshness(r: { name: string; record_count: number; withdrawn_count: number; modified_watermark: string | null; last_import_at: number | null; last_sync_at: number | null }): SourceFreshness {
  return {
    name: r.name,
    recordCount: Number(r.record_count),
    withdrawnCount: Number(r.withdrawn_count),
    modifiedWatermark: r.modified_watermark,
    lastImportAt: r.last_import_at == null ? null : Number(r.last_import_at),
    lastSyncAt: r.last_sync_at == null ? null : Number(r.last_sync_at),
  };
}
