import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { Database } from './schema.ts';
import { repositoryInScope, type StorageScope } from './storage-stats.repo.ts';

/** One cached image analysis: the engine's result as JSON, keyed by manifest digest and platform. */
export interface CachedAnalysis {
  digest: Digest;
  /** `os/arch[/variant]` chosen from an index; '' for an image manifest. */
  platform: string;
  engineVersion: number;
  /** The engine's result, JSON text exactly as stored. */
  resultJson: string;
  imageBytes: number;
  wastedBytes: number;
  analyzedAt: number;
}

export interface WasterRow {
  repository: RepoName;
  digest: Digest;
  platform: string;
  imageBytes: number;
  wastedBytes: number;
}

export interface AnalysisCacheRepo {
  /** The cached analysis, whatever engine version made it; undefined when none. */
  find(digest: Digest, platform: string): Promise<CachedAnalysis | undefined>;
  /** Stores or replaces the analysis of (digest, platform). Idempotent; last writer wins. */
  put(analysis: CachedAnalysis): Promise<void>;
  /**
   * Analyses made by `engineVersion` of manifests linked into repositories in scope, most wasted bytes first
   * (only those wasting something), at most `limit`; one row per repository holding the manifest.
   */
  biggestWasters(scope: StorageScope, engineVersion: number, limit: number): Promise<WasterRow[]>;
}

export class AnalysisCacheRepoImpl implements AnalysisCacheRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(digest: Digest, platform: string): Promise<CachedAnalysis | undefined> {
    const row = await this.db.selectFrom('image_analyses').selectAll().where('digest', '=', digest).where('platform', '=', platform).executeTakeFirst();
    return row && {
      digest: row.digest as Digest,
      platform: row.platform,
      engineVersion: Number(row.engine_version),
      resultJson: row.result,
      imageBytes: Number(row.image_bytes),
      wastedBytes: Number(row.wasted_bytes),
      analyzedAt: Number(row.analyzed_at),
    };
  }

  async put(a: CachedAnalysis): Promise<void> {
    const row = {
      digest: a.digest, platform: a.platform, engine_version: a.engineVersion, result: a.resultJson,
      image_bytes: a.imageBytes, wasted_bytes: a.wastedBytes, analyzed_at: a.analyzedAt,
    };
    await this.db
      .insertInto('image_analyses')
      .values(row)
      .onConflict((oc) => oc.columns(['digest', 'platform']).doUpdateSet((eb) => ({
        engine_version: eb.ref('excluded.engine_version'),
        result: eb.ref('excluded.result'),
        image_bytes: eb.ref('excluded.image_bytes'),
        wasted_bytes: eb.ref('excluded.wasted_bytes'),
        analyzed_at: eb.ref('excluded.analyzed_at'),
      })))
      .execute();
  }

  async biggestWasters(scope: StorageScope, engineVersion: number, limit: number): Promise<WasterRow[]> {
    const rows = await this.db
      .selectFrom('image_analyses as a')
      .innerJoin('repository_manifests as rm', 'rm.digest', 'a.digest')
      .select(['rm.repository', 'a.digest', 'a.platform', 'a.image_bytes', 'a.wasted_bytes'])
      .where('a.engine_version', '=', engineVersion)
      .where('a.wasted_bytes', '>', 0)
      .where((eb) => repositoryInScope(eb, 'rm.repository', scope))
      .orderBy('a.wasted_bytes', 'desc')
      .orderBy('rm.repository')
      .orderBy('a.digest')
      .orderBy('a.platform')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      repository: r.repository as RepoName,
      digest: r.digest as Digest,
      platform: r.platform,
      imageBytes: Number(r.image_bytes),
      wastedBytes: Number(r.wasted_bytes),
    }));
  }
}
