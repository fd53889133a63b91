import type { Kysely } from 'kysely';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { Database } from './schema.ts';

/** One tag with what it points at and when it last moved. */
export interface TagDetail {
  tag: Tag;
  digest: Digest;
  /** When the tag was last pointed (pushed, promoted, rolled back), epoch ms. */
  updatedAt: number;
}

/** Tag facts for listings and tag rules. Read-only; one indexed query each. */
export interface TagDetailRepo {
  /** Every tag of `repo`, bytewise by name; empty for an unknown repository. */
  list(repo: RepoName): Promise<TagDetail[]>;
  /** The tags of `repo` pointing at `digest`, bytewise by name. */
  tagsOf(repo: RepoName, digest: Digest): Promise<Tag[]>;
  /** The digest `tag` points at in `repo`, or undefined. */
  digestOf(repo: RepoName, tag: Tag): Promise<Digest | undefined>;
}

export class TagDetailRepoImpl implements TagDetailRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(repo: RepoName): Promise<TagDetail[]> {
    const rows = await this.db.selectFrom('tags').select(['name', 'digest', 'updated_at']).where('repository', '=', repo).orderBy('name').execute();
    return rows.map((r) => ({ tag: r.name as Tag, digest: r.digest as Digest, updatedAt: Number(r.updated_at) }));
  }

  async tagsOf(repo: RepoName, digest: Digest): Promise<Tag[]> {
    const rows = await this.db.selectFrom('tags').select('name').where('repository', '=', repo).where('digest', '=', digest).orderBy('name').execute();
    return rows.map((r) => r.name as Tag);
  }

  async digestOf(repo: RepoName, tag: Tag): Promise<Digest | undefined> {
    const row = await this.db.selectFrom('tags').select('digest').where('repository', '=', repo).where('name', '=', tag).executeTakeFirst();
    return row?.digest as Digest | undefined;
  }
}
