import type { Generated } from 'kysely';
import type { IdentityDatabase } from './identity-schema.ts';
import type { RetentionGcDatabase } from './gc-schema.ts';
import type { TagRuleDatabase } from './tag-rule-schema.ts';
import type { ScanDatabase } from './scan-schema.ts';
import type { TrustDatabase } from './trust-schema.ts';
import type { TagHistoryDatabase } from './tag-history-schema.ts';
import type { VulnDbDatabase } from './vulndb-schema.ts';
import type { PromotionDatabase } from './promotion-schema.ts';

/**
 * The metadata schema. Timestamps are milliseconds since the epoch (bigint in PostgreSQL); repository and tag
 * names sort bytewise in both dialects (PostgreSQL columns use COLLATE "C") so pagination is lexical.
 * Manifests and their content are stored once per digest; repositories link to them, as they link to blobs.
 */
export interface RepositoriesTable {
  name: string;
  created_at: number;
}

export interface BlobsTable {
  digest: string;
  size_bytes: number;
  created_at: number;
}

export interface RepositoryBlobsTable {
  repository: string;
  digest: string;
  created_at: number;
}

export interface ManifestsTable {
  digest: string;
  media_type: string;
  size_bytes: number;
  /** The exact bytes pushed: a manifest is never re-serialized. */
  content: Buffer;
  artifact_type: string | null;
  subject: string | null;
  /** JSON of the manifest's top-level annotations, for the referrers API. */
  annotations: string | null;
  created_at: number;
}

export interface RepositoryManifestsTable {
  repository: string;
  digest: string;
  created_at: number;
}

/** What a manifest points at: its config and layers ('blob') or an index's children ('manifest'). */
export interface ManifestReferencesTable {
  manifest: string;
  target: string;
  kind: 'blob' | 'manifest';
}

export interface TagsTable {
  repository: string;
  name: string;
  digest: string;
  updated_at: number;
}

export interface UploadsTable {
  id: string;
  repository: string;
  created_at: number;
  updated_at: number;
}

/** Cached image analyses (#6), one per manifest digest and platform ('' for an image manifest). */
export interface ImageAnalysesTable {
  digest: string;
  platform: string;
  /** The analysis engine's schema version the result was computed with. */
  engine_version: number;
  /** JSON of the engine's result. */
  result: string;
  image_bytes: number;
  wasted_bytes: number;
  analyzed_at: number;
}

export interface MigrationMarker {
  id: Generated<number>;
}

export interface Database extends IdentityDatabase, TagHistoryDatabase, PromotionDatabase, VulnDbDatabase, TrustDatabase, ScanDatabase, TagRuleDatabase, RetentionGcDatabase {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  repository_manifests: RepositoryManifestsTable;
  manifest_references: ManifestReferencesTable;
  tags: TagsTable;
  uploads: UploadsTable;
  image_analyses: ImageAnalysesTable;
}
