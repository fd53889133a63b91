import { z } from 'zod';
import { ANALYSIS_SCHEMA_VERSION, type ImageAnalysis } from '../analyze/analysis.types.ts';
import { projectOf } from '../auth/policy.ts';
import { isBerthError } from '../errors/berth-error.ts';
import { BerthStorageSource, type StoredBlobReader, type StoredManifestReader } from '../image/berth-storage.source.ts';
import { DEFAULT_IMAGE_PLATFORM, type PlatformChoice } from '../image/image-resolve.ts';
import { unknown } from '../identity/validate.ts';
import type { AnalysisCacheRepo, CachedAnalysis } from '../meta/analysis-cache.repo.ts';
import type { ProjectRepo } from '../meta/identity-store.ts';
import type { StorageStatsRepo } from '../meta/storage-stats.repo.ts';
import type { Digest } from '../oci/digest.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import { referenceString, type Reference, type RepoName } from '../oci/names.ts';
import { StoredBaseCatalog } from './stored-base.catalog.ts';

/** What the analysis endpoint answers besides the engine's result (which is sent as stored). */
export const AnalysisImageView = z.object({
  repository: z.string(),
  /** The tag or digest asked for. */
  reference: z.string(),
  /** The manifest the reference named (an index for a multi-platform image). */
  digest: z.string(),
  mediaType: z.string(),
  /** `os/arch[/variant]` or `all` for an index; '' for an image manifest. */
  platform: z.string(),
});

export interface AnalysisAnswer {
  image: z.infer<typeof AnalysisImageView>;
  engineVersion: number;
  analyzedAt: string;
  /** True when the answer came from the cache, false when this request (or one running at once) computed it. */
  isCached: boolean;
  /** The engine's ImageAnalysis as JSON text, exactly as cached. */
  analysisJson: string;
}

export interface AnalysisRequest {
  repo: RepoName;
  ref: Reference;
  /** One platform of an index or 'all'; default linux/amd64. Ignored for an image manifest. */
  platform?: PlatformChoice;
}

/** Projects read per page while collecting the public ones. */
const PROJECT_PAGE = 500;

export function formatPlatformChoice(choice: PlatformChoice): string {
  return choice === 'all' ? 'all' : `${choice.os}/${choice.architecture}${choice.variant ? `/${choice.variant}` : ''}`;
}

/**
 * Image analyses of images stored in Berth, read from its own storage and cached per manifest digest and platform
 * in the metadata store; a result made by another engine schema version is recomputed. Concurrent requests for
 * the same image share one computation. Callers check the pull permission first.
 */
export class AnalysisService {
  /** Analyses computed by this instance (cache misses that ran the engine), for tests and metrics. */
  computations = 0;
  private readonly inFlight = new Map<string, Promise<CachedAnalysis>>();

  constructor(private readonly deps: {
    image: { manifests: StoredManifestReader; blobs: StoredBlobReader };
    cache: AnalysisCacheRepo;
    storage: Pick<StorageStatsRepo, 'manifestsUsingBlob'>;
    /** Public projects: their images may be named as bases of any image. */
    projects: Pick<ProjectRepo, 'list'>;
    now: () => number;
    /** The engine's schema version; defaults to the engine's own. */
    engineVersion?: number;
  }) {}

  private get engineVersion(): number {
    return this.deps.engineVersion ?? ANALYSIS_SCHEMA_VERSION;
  }

  /**
   * The analysis of the image `ref` names in `repo`. Throws RESOURCE_UNKNOWN when there is no such image
   * (the caller answers the same for one the caller may not see), IMAGE_INVALID for an artifact that is not a
   * container image, and what reading the layers throws (IMAGE_LIMIT_EXCEEDED, ...). Safe concurrently.
   */
  async analyze(req: AnalysisRequest): Promise<AnalysisAnswer> {
    const imageText = `${req.repo}${req.ref.kind === 'tag' ? ':' : '@'}${referenceString(req.ref)}`;
    let top;
    try {
      top = await new BerthStorageSource(this.deps.image, req.repo, req.ref).resolve();
    } catch (err) {
      if (isBerthError(err, 'MANIFEST_UNKNOWN') || isBerthError(err, 'NAME_UNKNOWN')) throw unknown('image', imageText);
      throw err;
    }
    const isIndex = isIndexMediaType(top.mediaType);
    const platform = isIndex ? formatPlatformChoice(req.platform ?? DEFAULT_IMAGE_PLATFORM) : '';
    const image = { repository: req.repo, reference: referenceString(req.ref), digest: top.digest, mediaType: top.mediaType, platform };

    const cached = await this.deps.cache.find(top.digest, platform);
    if (cached && cached.engineVersion === this.engineVersion) return this.answer(image, cached, true);

    const key = `${top.digest} ${platform}`;
    let run = this.inFlight.get(key);
    if (!run) {
      run = this.compute(req.repo, top.digest, isIndex ? (req.platform ?? DEFAULT_IMAGE_PLATFORM) : undefined, platform).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, run);
    }
    return this.answer(image, await run, false);
  }

  private async compute(repo: RepoName, digest: Digest, choice: PlatformChoice | undefined, platform: string): Promise<CachedAnalysis> {
    this.computations++;
    // Bound to the digest, not the tag: a tag moved meanwhile must not mix two images into one result.
    const source = new BerthStorageSource(this.deps.image, repo, { kind: 'digest', digest });
    const scope = { projects: [...new Set([projectOf(repo), ...(await this.publicProjects())])] };
    // The engine (and its tar/zstd libraries) loads on the first analysis, not with every server.
    const { analyzeImage } = await import('../analyze/analyze-image.ts');
    const analysis: ImageAnalysis = await analyzeImage(source, { ...(choice ? { platform: choice } : {}), baseCatalog: new StoredBaseCatalog(this.deps.storage, scope) });
    const row: CachedAnalysis = {
      digest,
      platform,
      engineVersion: this.engineVersion,
      resultJson: JSON.stringify(analysis),
      imageBytes: analysis.images.reduce((s, i) => s + i.waste.layerFileBytes, 0),
      wastedBytes: analysis.images.reduce((s, i) => s + i.waste.wastedBytes, 0),
      analyzedAt: this.deps.now(),
    };
    await this.deps.cache.put(row);
    return row;
  }

  private async publicProjects(): Promise<string[]> {
    const names: string[] = [];
    let last: string | undefined;
    for (;;) {
      const page = await this.deps.projects.list({ n: PROJECT_PAGE, ...(last !== undefined ? { last } : {}) });
      names.push(...page.items.filter((p) => p.isPublic).map((p) => p.name));
      last = page.items.at(-1)?.name;
      if (!page.hasMore || last === undefined) return names;
    }
  }

  private answer(image: AnalysisAnswer['image'], row: CachedAnalysis, isCached: boolean): AnalysisAnswer {
    return { image, engineVersion: row.engineVersion, analyzedAt: new Date(row.analyzedAt).toISOString(), isCached, analysisJson: row.resultJson };
  }
}
