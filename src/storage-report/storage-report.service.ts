import { z } from 'zod';
import { projectOf } from '../auth/policy.ts';
import { unknown } from '../identity/validate.ts';
import type { AnalysisCacheRepo } from '../meta/analysis-cache.repo.ts';
import type { StorageScope, StorageStatsRepo } from '../meta/storage-stats.repo.ts';
import type { RepoName } from '../oci/names.ts';

/**
 * Storage figures for people (#4, #6): per repository and project, logical, physical (deduplicated) and unique
 * bytes with the deduplication ratio (logical / physical; null when nothing is stored), the layers shared by the
 * most images, the biggest images and, from cached analyses, the biggest wasters. Callers decide the scope: the
 * projects the caller may read, and which repositories of them the caller may pull (others are not listed).
 */

const Sizes = {
  logicalBytes: z.number().int(),
  physicalBytes: z.number().int(),
  uniqueBytes: z.number().int(),
  dedupRatio: z.number().nullable(),
};

export const RepositoryStorageView = z.object({
  name: z.string(), project: z.string(), manifests: z.number().int(), tags: z.number().int(), blobs: z.number().int(), ...Sizes,
});
export const ProjectStorageView = z.object({ name: z.string(), repositories: z.number().int(), blobs: z.number().int(), ...Sizes });
export const StorageReportView = z.object({
  totals: z.object({ projects: z.number().int(), repositories: z.number().int(), manifests: z.number().int(), blobs: z.number().int(), ...Sizes }),
  projects: z.array(ProjectStorageView),
  repositories: z.array(RepositoryStorageView),
  sharedLayers: z.array(z.object({ digest: z.string(), sizeBytes: z.number().int(), images: z.number().int(), repositories: z.number().int() })),
  biggestImages: z.array(z.object({ repository: z.string(), digest: z.string(), mediaType: z.string(), tags: z.array(z.string()), logicalBytes: z.number().int() })),
  biggestWasters: z.array(z.object({
    repository: z.string(), digest: z.string(), platform: z.string(),
    layerFileBytes: z.number().int(), wastedBytes: z.number().int(), efficiency: z.number(),
  })),
});
export type StorageReportView = z.infer<typeof StorageReportView>;

export const StorageQuery = z.object({
  top: z.number().int().min(0).max(100).default(10).describe('entries in each ranking (shared layers, biggest images, biggest wasters)'),
});
export type StorageQuery = z.output<typeof StorageQuery>;

/** Who asks and what they may see; `projects: 'all'` for administrators. */
export interface StorageViewer {
  projects: 'all' | readonly string[];
  /** Whether a repository of those projects may be listed (the pull permission). */
  mayPull(repo: RepoName): Promise<boolean>;
}

const ratio = (logical: number, physical: number): number | null => (physical > 0 ? Math.round((logical / physical) * 1000) / 1000 : null);

/** Rankings fetch this many more rows than shown, to fill up after dropping repositories the caller may not pull. */
const RANKING_SLACK = 20;

export class StorageReportService {
  constructor(private readonly deps: {
    storage: StorageStatsRepo;
    analyses: Pick<AnalysisCacheRepo, 'biggestWasters'>;
    /** The analysis engine's schema version: wasters come from analyses it made. */
    engineVersion: number;
  }) {}

  /** Everything `viewer` may see. */
  registry(viewer: StorageViewer, query: StorageQuery): Promise<StorageReportView> {
    return this.report(viewer.projects === 'all' ? {} : { projects: viewer.projects }, viewer, query);
  }

  /** One project the caller may read (checked by the caller). Throws RESOURCE_UNKNOWN when it holds nothing. */
  async project(name: string, viewer: StorageViewer, query: StorageQuery): Promise<StorageReportView> {
    return this.report({ projects: [name] }, viewer, query);
  }

  /** One repository the caller may pull (checked by the caller). Throws RESOURCE_UNKNOWN when it does not exist. */
  async repository(name: RepoName, viewer: StorageViewer, query: StorageQuery): Promise<StorageReportView> {
    const report = await this.report({ repository: name }, viewer, query);
    if (report.repositories.length === 0) throw unknown('repository', name);
    return report;
  }

  private async report(scope: StorageScope, viewer: StorageViewer, query: StorageQuery): Promise<StorageReportView> {
    const { storage } = this.deps;
    const all = await storage.repositories(scope);
    const visible = await this.filter(all, (r) => r.repository, viewer);
    // A repository's report has no project rows: its project's figures would cover repositories it does not name.
    const projectNames = scope.repository !== undefined ? [] : [...new Set(all.map((r) => projectOf(r.repository)))];
    const projects = await Promise.all(projectNames.map(async (name) => {
      const rows = all.filter((r) => projectOf(r.repository) === name);
      const totals = await storage.blobTotals({ projects: [name] });
      const logicalBytes = sum(rows, (r) => r.logicalBytes);
      return { name, repositories: rows.length, blobs: totals.blobs, logicalBytes, physicalBytes: totals.physicalBytes, uniqueBytes: totals.uniqueBytes, dedupRatio: ratio(logicalBytes, totals.physicalBytes) };
    }));
    const totals = await storage.blobTotals(scope);
    const logicalBytes = sum(all, (r) => r.logicalBytes);
    const top = query.top;
    const [shared, images, wasters] = await Promise.all([
      storage.sharedLayers(scope, top),
      storage.biggestImages(scope, top + RANKING_SLACK),
      this.deps.analyses.biggestWasters(scope, this.deps.engineVersion, top + RANKING_SLACK),
    ]);
    return {
      totals: {
        projects: projects.length, repositories: all.length, manifests: sum(all, (r) => r.manifests), blobs: totals.blobs,
        logicalBytes, physicalBytes: totals.physicalBytes, uniqueBytes: totals.uniqueBytes, dedupRatio: ratio(logicalBytes, totals.physicalBytes),
      },
      projects,
      repositories: visible.map((r) => ({
        name: r.repository, project: projectOf(r.repository), manifests: r.manifests, tags: r.tags, blobs: r.blobs,
        logicalBytes: r.logicalBytes, physicalBytes: r.physicalBytes, uniqueBytes: r.uniqueBytes, dedupRatio: ratio(r.logicalBytes, r.physicalBytes),
      })),
      sharedLayers: shared,
      biggestImages: (await this.filter(images, (i) => i.repository, viewer)).slice(0, top),
      biggestWasters: (await this.filter(wasters, (w) => w.repository, viewer)).slice(0, top).map((w) => ({
        repository: w.repository, digest: w.digest, platform: w.platform, layerFileBytes: w.imageBytes, wastedBytes: w.wastedBytes,
        efficiency: w.imageBytes > 0 ? (w.imageBytes - w.wastedBytes) / w.imageBytes : 1,
      })),
    };
  }

  private async filter<T>(rows: readonly T[], repoOf: (row: T) => RepoName, viewer: StorageViewer): Promise<T[]> {
    if (viewer.projects === 'all') return [...rows];
    const allowed = new Map<string, Promise<boolean>>();
    const may = (repo: RepoName) => {
      let answer = allowed.get(repo);
      if (!answer) allowed.set(repo, (answer = viewer.mayPull(repo)));
      return answer;
    };
    const verdicts = await Promise.all(rows.map((row) => may(repoOf(row))));
    return rows.filter((_, i) => verdicts[i]);
  }
}

function sum<T>(rows: readonly T[], value: (row: T) => number): number {
  return rows.reduce((s, r) => s + value(r), 0);
}
