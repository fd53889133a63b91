import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import { orderedId } from './identity-rows.ts';
import type { Database } from './schema.ts';

export interface PromotionGateRecord {
  id: string;
  project: string;
  repositoryPattern: string;
  tagPattern: string;
  kind: string;
  params: Record<string, unknown>;
  createdBy: string;
  createdAt: number;
}

/** Stored promotion gates, and the store facts gates are evaluated on. */
export interface PromotionGateRepo {
  /** Stores a new gate with a fresh ordered id. Throws when the project does not exist (foreign key). */
  add(gate: Omit<PromotionGateRecord, 'id' | 'createdAt'>): Promise<PromotionGateRecord>;
  /** A project's gates in the order they were added. */
  list(project: string): Promise<PromotionGateRecord[]>;
  /** False when `id` is not a gate of `project`. Idempotent. */
  remove(project: string, id: string): Promise<boolean>;
  /**
   * When `digest` first entered `repo` (pushed or promoted there), or undefined when it is not linked there now.
   * A re-push refreshes the link's own time (GC's grace period restarts); the first tag move onto the digest
   * recorded in tag history is older then, and wins.
   */
  linkedAt(repo: RepoName, digest: Digest): Promise<number | undefined>;
}

export class PromotionGateRepoImpl implements PromotionGateRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async add(gate: Omit<PromotionGateRecord, 'id' | 'createdAt'>): Promise<PromotionGateRecord> {
    const record: PromotionGateRecord = { ...gate, id: orderedId(), createdAt: this.now() };
    await this.db
      .insertInto('promotion_gates')
      .values({
        id: record.id,
        project: record.project,
        repository_pattern: record.repositoryPattern,
        tag_pattern: record.tagPattern,
        kind: record.kind,
        params: JSON.stringify(record.params),
        created_by: record.createdBy,
        created_at: record.createdAt,
      })
      .execute();
    return record;
  }

  async list(project: string): Promise<PromotionGateRecord[]> {
    const rows = await this.db.selectFrom('promotion_gates').selectAll().where('project', '=', project).orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      project: r.project,
      repositoryPattern: r.repository_pattern,
      tagPattern: r.tag_pattern,
      kind: r.kind,
      params: JSON.parse(r.params) as Record<string, unknown>,
      createdBy: r.created_by,
      createdAt: Number(r.created_at),
    }));
  }

  async remove(project: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('promotion_gates').where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async linkedAt(repo: RepoName, digest: Digest): Promise<number | undefined> {
    const row = await this.db.selectFrom('repository_manifests').select('created_at').where('repository', '=', repo).where('digest', '=', digest).executeTakeFirst();
    if (!row) return undefined;
    const first = await this.db.selectFrom('tag_history').select((eb) => eb.fn.min('at').as('at'))
      .where('repository', '=', repo).where('to_digest', '=', digest).executeTakeFirst();
    const firstTagged = first?.at === null || first?.at === undefined ? Number.POSITIVE_INFINITY : Number(first.at);
    return Math.min(Number(row.created_at), firstTagged);
  }
}
