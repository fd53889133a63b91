import type { Digest } from '../oci/digest.ts';
import type { Platform } from '../oci/manifest.ts';
import type { LayerChange, WalkIssue } from '../image/filesystem-walk.ts';
import type { EntryType } from '../image/layer-reader.ts';

/**
 * The result of analysing an image: plain JSON (no Maps, no Buffers, no Dates), so it can be cached per digest
 * and served as it is. Bump ANALYSIS_SCHEMA_VERSION when a field changes meaning or goes away; adding optional
 * fields keeps the version.
 */
export const ANALYSIS_SCHEMA_VERSION = 1;

export interface ImageAnalysis {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  /** What was read, as the source describes itself (`oci:/dir:tag`, `host/repo:tag`). */
  source: string;
  /** The manifest the reference names (an index for a multi-platform image) and its media type. */
  digest: Digest;
  mediaType: string;
  /** One entry per image analysed: the chosen platform, or every platform of an index. */
  images: PlatformImageAnalysis[];
}

export interface PlatformImageAnalysis {
  manifestDigest: Digest;
  manifestMediaType: string;
  configDigest: Digest;
  platform: Platform | null;
  /** The config's `created`, when set. */
  created?: string;
  layers: LayerAnalysis[];
  /** Every history line of the config in order, with the layer each non-empty line made. */
  history: HistoryLine[];
  totals: SizeTotals;
  /** The merged filesystem every container of this image starts from. */
  finalFiles: FinalFile[];
  waste: WasteReport;
  base: BaseImageReport;
  runConfig: RunConfigSummary;
  packages: PackageInventory;
  secrets: SecretFinding[];
  advice: Advice[];
  /** What reading the layers noticed (absolute names, skipped entries); at most 1000 kept. */
  issues: WalkIssue[];
}

export interface LayerAnalysis {
  index: number;
  digest: Digest;
  /** The uncompressed tar's digest (config rootfs.diff_ids), when listed. */
  diffId: string | null;
  mediaType: string;
  /** What the media type claims. */
  compression: string;
  /** What the bytes turned out to be. */
  detectedCompression: string | null;
  compressedBytes: number;
  /** Bytes of the uncompressed tar. */
  uncompressedBytes: number;
  /** Bytes of regular files in this layer, every entry counted. */
  fileBytes: number;
  entryCount: number;
  /** The history line that made this layer (its `created_by`), matched past empty_layer lines as docker does. */
  createdBy: string | null;
  created: string | null;
  comment: string | null;
  /** Index into `history`, when a line matched. */
  historyIndex: number | null;
  /** True when the layer belongs to the recognised base image. */
  isBase: boolean;
  /** Added, modified and deleted paths with their sizes (see LayerChange). */
  changes: LayerChange[];
  /** Counts and bytes of `changes` by kind (regular files only in `bytes`). */
  summary: { added: number; modified: number; deleted: number; addedBytes: number; modifiedBytes: number; deletedBytes: number };
}

export interface HistoryLine {
  created: string | null;
  createdBy: string | null;
  comment: string | null;
  isEmptyLayer: boolean;
  /** The layer this line made; null for empty_layer lines and lines beyond the layers. */
  layer: number | null;
}

export interface SizeTotals {
  layerCount: number;
  compressedBytes: number;
  uncompressedBytes: number;
  /** Regular-file bytes over every layer, overwritten and deleted versions included. */
  layerFileBytes: number;
  /** Regular-file bytes of the final filesystem. */
  finalFileBytes: number;
  finalFileCount: number;
  /** Paths in the final filesystem, directories and links included. */
  finalPathCount: number;
}

export interface FinalFile {
  path: string;
  type: EntryType;
  sizeBytes: number;
  /** The layer that wrote this version. */
  layer: number;
  mode: number;
  uid: number;
  gid: number;
  linkTarget?: string;
  sha256?: string;
}

export interface WasteReport {
  /** How `efficiency` is computed, in words (the same text as EFFICIENCY_DEFINITION). */
  definition: string;
  /** (layerFileBytes - wastedBytes) / layerFileBytes; 1 for an image without file bytes. */
  efficiency: number;
  layerFileBytes: number;
  /** overwrittenBytes + deletedBytes: file versions that never reach the final filesystem. */
  wastedBytes: number;
  /** Versions a later layer (or a later entry of the same layer) replaced. */
  overwrittenBytes: number;
  /** Versions a later layer's whiteout removed. */
  deletedBytes: number;
  /** dive's own score and "potential wasted space", computed the way dive computes them, for comparison. */
  dive: { score: number; wastedBytes: number; definition: string };
  duplicates: DuplicateGroup[];
  /** Sum over groups of (versions - 1) x size. */
  duplicateBytes: number;
}

export interface DuplicateGroup {
  sha256: string;
  sizeBytes: number;
  /** Every version with this content: path and the layer that wrote it; `isFinal` when it reaches the final filesystem. */
  copies: Array<{ path: string; layer: number; isFinal: boolean }>;
  /** (copies - 1) x sizeBytes. */
  wastedBytes: number;
}

export type BaseImageEvidence = 'annotation' | 'label' | 'layer-prefix' | 'history';

export interface BaseImageReport {
  /** `debian:12-slim`, `docker.io/library/python:3.12`, ... when known. */
  name: string | null;
  digest: string | null;
  /** Where the name/digest came from; null when no base was recognised. */
  evidence: BaseImageEvidence | null;
  /** Bottom layers that belong to the base (known only from a layer-prefix match). */
  layerCount: number | null;
  /** The base's share and the image's own share of the sizes; null without a layer count. */
  baseBytes: { compressed: number; uncompressed: number } | null;
  ownBytes: { compressed: number; uncompressed: number } | null;
}

export interface RunConfigSummary {
  user: string | null;
  isRoot: boolean;
  healthcheck: string[] | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  exposedPorts: string[];
  labels: Record<string, string>;
}

export interface InstalledPackage {
  name: string;
  version: string | null;
  /** Installed size in bytes, as the package database states it. */
  sizeBytes: number | null;
}

export interface PackageInventory {
  manager: 'dpkg' | 'apk' | null;
  packages: InstalledPackage[];
}

export type SecretKind = 'private-key' | 'openssh-private-key' | 'dotenv' | 'aws-credentials' | 'aws-access-key' | 'npm-token' | 'docker-auth' | 'kubeconfig';

export interface SecretFinding {
  kind: SecretKind;
  path: string;
  /** The layer that added this version of the file. */
  layer: number;
  sizeBytes: number;
  /** What matched, never the secret itself. */
  detail: string;
  /** True when this version reaches the final filesystem. */
  isPresentInFinal: boolean;
  /** The layer that overwrote or deleted it, when it does not reach the final filesystem. */
  removedInLayer: number | null;
}

export type AdviceId =
  | 'package-cache'
  | 'build-toolchain'
  | 'slim-base'
  | 'combine-layers'
  | 'deleted-files'
  | 'overwritten-files'
  | 'duplicate-files'
  | 'secrets'
  | 'runs-as-root'
  | 'no-healthcheck'
  | 'base-latest';

export interface AdviceEvidence {
  path?: string;
  layer?: number;
  bytes?: number;
  /** A package, a history line, a config field: whatever else shows the point. */
  note?: string;
}

export interface Advice {
  id: AdviceId;
  category: 'size' | 'security' | 'practice';
  severity: 'high' | 'warning' | 'info';
  title: string;
  /** What to change. */
  suggestion: string;
  evidence: AdviceEvidence[];
  /** Evidence entries left out past the first 50. */
  moreEvidence: number;
  /** Bytes (uncompressed) the change would take out of the image; 0 for advice that saves none. */
  savesBytes: number;
  /** True when savesBytes is an estimate (a typical size) rather than counted from this image. */
  isEstimate: boolean;
}

/** A layer as a base-image lookup knows it: its blob digest and, when the config lists it, its diffId. */
export interface LayerKey {
  digest: string;
  diffId: string | null;
}

export interface BaseImageMatch {
  name: string;
  digest: string;
  /** How many bottom layers of the analysed image the base holds (all of the base's layers). */
  layerCount: number;
}

/**
 * Images that may be the base of another, looked up by layers. The server implements it over stored images; the
 * CLI passes none.
 */
export interface BaseImageCatalog {
  /**
   * The stored image whose whole layer list is the longest prefix of `layers` (compared by diffId where both
   * sides know it, else by digest), other than the image `excludeDigest` itself; undefined when none. Read-only,
   * safe to call concurrently.
   */
  findByLayerPrefix(layers: readonly LayerKey[], excludeDigest: string): Promise<BaseImageMatch | undefined>;
}

export interface AnalysisProgress {
  /** 0-based index of the image being read, of imageCount (platforms of an index). */
  imageIndex: number;
  imageCount: number;
  platform: Platform | null;
  /** The layer being read, of layerCount; layerIndex === layerCount once the image is done. */
  layerIndex: number;
  layerCount: number;
  /** Compressed bytes read so far over this image's layers, of compressedBytesTotal. */
  compressedBytesRead: number;
  compressedBytesTotal: number;
}
