import type { Kysely } from 'kysely';
import { flag, insertedOrConflict, orderedId } from './identity-rows.ts';
import type { Database } from './schema.ts';

export type TagRuleKind = 'naming' | 'immutable';

export interface TagRuleRecord {
  id: string;
  project: string;
  kind: TagRuleKind;
  name: string;
  repositoryPattern: string;
  /** The rule's own settings (versions/tag-rules.ts gives them their shape). */
  spec: Record<string, unknown>;
  createdBy: string;
  createdAt: number;
}

export interface ProductionFlags {
  isProduction: boolean;
  refuseLatestPull: boolean;
}

/** Stored tag rules and production flags, per project. Every method is one statement; safe concurrently. */
export interface TagRuleRepo {
  /**
   * Stores a new rule with a fresh ordered id. Throws BerthError CONFLICT when the project already has a rule of
   * that name; a database error when the project does not exist (foreign key).
   */
  add(rule: Omit<TagRuleRecord, 'id' | 'createdAt'>): Promise<TagRuleRecord>;
  /** A project's rules of every kind in the order they were added. */
  list(project: string): Promise<TagRuleRecord[]>;
  /** Every project's rules, in the order they were added (the guard holds them all in memory). */
  listAll(): Promise<TagRuleRecord[]>;
  /** Removes the rule when it is a `kind` rule of `project`; returns what was removed, else undefined. */
  remove(project: string, kind: TagRuleKind, id: string): Promise<TagRuleRecord | undefined>;
  /** The project's flags; both false when never set. */
  production(project: string): Promise<ProductionFlags>;
  /** Sets the flags (upsert). */
  setProduction(project: string, flags: ProductionFlags): Promise<void>;
  /** The projects with production protection on, with their flags. */
  productionAll(): Promise<Array<{ project: string } & ProductionFlags>>;
}

type Row = Database['tag_rules'];

const recordOf = (r: Row): TagRuleRecord => ({
  id: r.id,
  project: r.project,
  kind: r.kind as TagRuleKind,
  name: r.name,
  repositoryPattern: r.repository_pattern,
  spec: JSON.parse(r.spec) as Record<string, unknown>,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

export class TagRuleRepoImpl implements TagRuleRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async add(rule: Omit<TagRuleRecord, 'id' | 'createdAt'>): Promise<TagRuleRecord> {
    const record: TagRuleRecord = { ...rule, id: orderedId(), createdAt: this.now() };
    const result = await this.db
      .insertInto('tag_rules')
      .values({
        id: record.id,
        project: record.project,
        kind: record.kind,
        name: record.name,
        repository_pattern: record.repositoryPattern,
        spec: JSON.stringify(record.spec),
        created_by: record.createdBy,
        created_at: record.createdAt,
      })
      .onConflict((oc) => oc.columns(['project', 'name']).doNothing())
      .executeTakeFirst();
    insertedOrConflict(result, { project: rule.project, rule: rule.name });
    return record;
  }

  async list(project: string): Promise<TagRuleRecord[]> {
    const rows = await this.db.selectFrom('tag_rules').selectAll().where('project', '=', project).orderBy('id').execute();
    return rows.map(recordOf);
  }

  async listAll(): Promise<TagRuleRecord[]> {
    return (await this.db.selectFrom('tag_rules').selectAll().orderBy('id').execute()).map(recordOf);
  }

  async remove(project: string, kind: TagRuleKind, id: string): Promise<TagRuleRecord | undefined> {
    const row = await this.db.deleteFrom('tag_rules').where('project', '=', project).where('kind', '=', kind).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? recordOf(row) : undefined;
  }

  async production(project: string): Promise<ProductionFlags> {
    const row = await this.db.selectFrom('project_tag_settings').select(['is_production', 'refuse_latest_pull']).where('project', '=', project).executeTakeFirst();
    return { isProduction: Number(row?.is_production ?? 0) === 1, refuseLatestPull: Number(row?.refuse_latest_pull ?? 0) === 1 };
  }

  async setProduction(project: string, flags: ProductionFlags): Promise<void> {
    const values = { is_production: flag(flags.isProduction), refuse_latest_pull: flag(flags.refuseLatestPull), updated_at: this.now() };
    await this.db
      .insertInto('project_tag_settings')
      .values({ project, ...values })
      .onConflict((oc) => oc.column('project').doUpdateSet(values))
      .execute();
  }

  async productionAll(): Promise<Array<{ project: string } & ProductionFlags>> {
    const rows = await this.db.selectFrom('project_tag_settings').selectAll().where('is_production', '=', 1).orderBy('project').execute();
    return rows.map((r) => ({ project: r.project, isProduction: true, refuseLatestPull: Number(r.refuse_latest_pull) === 1 }));
  }
}
