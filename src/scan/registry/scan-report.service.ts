import { z } from 'zod';
import { isBerthError } from '../../errors/berth-error.ts';
import { unknown } from '../../identity/validate.ts';
import type { StoredManifestReader } from '../../image/berth-storage.source.ts';
import type { ScanRepo, ScanResultRow } from '../../meta/scan.repo.ts';
import type { Digest } from '../../oci/digest.ts';
import { parseManifest } from '../../oci/manifest.ts';
import { isIndexMediaType, MANIFEST_MEDIA_TYPES } from '../../oci/media-types.ts';
import { referenceString, type Reference, type RepoName } from '../../oci/names.ts';
import type { Inventory } from '../inventory/inventory.ts';
import { FindingView } from '../match/finding.schema.ts';
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import { SEVERITY_ORDER } from '../severity/severity.ts';

export const SeverityCounts = z.object({ critical: z.number().int(), high: z.number().int(), medium: z.number().int(), low: z.number().int(), none: z.number().int() });
export type SeverityCounts = z.infer<typeof SeverityCounts>;

export const ImageScanView = z.object({
  digest: z.string(),
  platform: z.string().optional(),
  /** scanned: a result is stored; queued: a scan is waiting or running; unscanned: neither. */
  status: z.enum(['scanned', 'queued', 'unscanned']),
  scannedAt: z.string().optional(),
  matchedAt: z.string().optional(),
  revision: z.string().optional(),
  os: z.string().optional(),
  packageCount: z.number().int().optional(),
  counts: SeverityCounts,
  findings: z.array(FindingView),
});
export type ImageScanView = z.infer<typeof ImageScanView>;

export const ImageReportView = z.object({
  repository: z.string(),
  reference: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  images: z.array(ImageScanView),
});
export type ImageReportView = z.infer<typeof ImageReportView>;

export const RepositoryReportView = z.object({
  repository: z.string(),
  images: z.array(z.object({ digest: z.string(), mediaType: z.string(), tags: z.array(z.string()), status: z.enum(['scanned', 'queued', 'unscanned', 'partial']), counts: SeverityCounts })),
});
export type RepositoryReportView = z.infer<typeof RepositoryReportView>;

export const AffectedView = z.object({
  id: z.string(),
  images: z.array(z.object({ repository: z.string(), digest: z.string(), tags: z.array(z.string()), findings: z.array(FindingView) })),
});
export type AffectedView = z.infer<typeof AffectedView>;

/** One image's stored scan, as the report formats take it. */
export interface ImageScan {
  name: string;
  digest: Digest;
  revision: string;
  scannedAt: number;
  findings: VulnerabilityFinding[];
  inventory: Inventory;
}

/** Most images a repository report or a "which images have CVE-X" answer lists. */
export const MAX_REPORT_IMAGES = 1000;

export function severityCounts(findings: readonly VulnerabilityFinding[]): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, none: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

const sum = (a: SeverityCounts, b: SeverityCounts): SeverityCounts => ({ critical: a.critical + b.critical, high: a.high + b.high, medium: a.medium + b.medium, low: a.low + b.low, none: a.none + b.none });

/** Worst first, then by id and package. */
export function sortFindings(findings: VulnerabilityFinding[]): VulnerabilityFinding[] {
  const rank = (f: VulnerabilityFinding) => SEVERITY_ORDER.indexOf(f.severity);
  return findings.sort((a, b) => rank(b) - rank(a) || a.id.localeCompare(b.id) || a.package.name.localeCompare(b.package.name));
}

/**
 * Scan reports read from stored results: per image (an index answers per platform), per repository, and the
 * images a vulnerability affects (by id or any alias). Callers check pull permissions first.
 */
export class ScanReportService {
  constructor(private readonly deps: {
    manifests: StoredManifestReader;
    scans: Pick<ScanRepo, 'findResult' | 'images' | 'affectedBy'>;
    isQueued(digest: Digest): boolean;
  }) {}

  /** Throws RESOURCE_UNKNOWN when `ref` names nothing in `repo`. */
  async image(repo: RepoName, ref: Reference): Promise<ImageReportView> {
    const top = await this.manifest(repo, ref);
    const children = isIndexMediaType(top.mediaType)
      ? parseManifest(top.content, top.mediaType).manifests.filter((m) => m.platform?.os !== 'unknown')
      : [{ digest: top.digest, platform: undefined }];
    const images = await Promise.all(children.map(async (c) => this.imageView(c.digest, c.platform && `${c.platform.os}/${c.platform.architecture}${c.platform.variant ? `/${c.platform.variant}` : ''}`)));
    return { repository: repo, reference: referenceString(ref), digest: top.digest, mediaType: top.mediaType, images };
  }

  /**
   * The stored result of the image `ref` names (for an index: its `platform` image, default linux/amd64) with its
   * inventory, for the report formats. Undefined when that image has no result yet. Throws RESOURCE_UNKNOWN.
   */
  async imageScan(repo: RepoName, ref: Reference, platform = 'linux/amd64'): Promise<ImageScan | undefined> {
    const top = await this.manifest(repo, ref);
    let digest = top.digest;
    if (isIndexMediaType(top.mediaType)) {
      const [os, architecture, variant] = platform.split('/');
      const child = parseManifest(top.content, top.mediaType).manifests.find((m) => m.platform !== undefined && m.platform.os === os && m.platform.architecture === architecture && (variant === undefined || m.platform.variant === variant));
      if (!child) throw unknown('platform', `${platform} of ${repo}@${top.digest}`);
      digest = child.digest;
    }
    const row = await this.deps.scans.findResult(digest);
    if (!row) return undefined;
    return {
      name: `${repo}${ref.kind === 'tag' ? ':' : '@'}${referenceString(ref)}`, digest, revision: row.revision, scannedAt: row.scannedAt,
      findings: sortFindings(JSON.parse(row.findingsJson) as VulnerabilityFinding[]), inventory: JSON.parse(row.inventoryJson) as Inventory,
    };
  }

  /** Every image and index of `repo` (at most MAX_REPORT_IMAGES) with its tags, scan status and counts. */
  async repository(repo: RepoName): Promise<RepositoryReportView> {
    const listed = await this.deps.scans.images({ repository: repo }, undefined, MAX_REPORT_IMAGES);
    const images = await Promise.all(listed.map(async (image) => {
      const digests = isIndexMediaType(image.mediaType)
        ? parseManifest((await this.manifest(repo, { kind: 'digest', digest: image.digest })).content, image.mediaType).manifests.filter((m) => m.platform?.os !== 'unknown').map((m) => m.digest)
        : [image.digest];
      const views = await Promise.all(digests.map((d) => this.imageView(d)));
      const statuses = new Set(views.map((v) => v.status));
      const status = statuses.size === 1 ? views[0]!.status : statuses.has('scanned') ? 'partial' as const : statuses.has('queued') ? 'queued' as const : 'unscanned' as const;
      return { digest: image.digest, mediaType: image.mediaType, tags: image.tags, status: views.length === 0 ? 'unscanned' as const : status, counts: views.map((v) => v.counts).reduce(sum, severityCounts([])) };
    }));
    return { repository: repo, images };
  }

  /** Images whose findings name `id` as their id or an alias, in repositories `mayPull` allows. */
  async affected(id: string, mayPull: (repo: RepoName) => Promise<boolean>): Promise<AffectedView> {
    const want = id.trim();
    const rows = await this.deps.scans.affectedBy(want, MAX_REPORT_IMAGES);
    const extra = want.toUpperCase() === want ? [] : await this.deps.scans.affectedBy(want.toUpperCase(), MAX_REPORT_IMAGES);
    const images: AffectedView['images'] = [];
    const seen = new Set<string>();
    for (const row of [...rows, ...extra]) {
      const key = `${row.repository} ${row.digest}`;
      if (seen.has(key) || !(await mayPull(row.repository))) continue;
      seen.add(key);
      const result = await this.deps.scans.findResult(row.digest);
      const findings = result ? (JSON.parse(result.findingsJson) as VulnerabilityFinding[]).filter((f) => [f.id, ...f.aliases].some((x) => x.toUpperCase() === want.toUpperCase())) : [];
      images.push({ repository: row.repository, digest: row.digest, tags: row.tags, findings });
    }
    return { id: want, images };
  }

  private async manifest(repo: RepoName, ref: Reference): Promise<{ digest: Digest; mediaType: string; content: Buffer }> {
    try {
      return await this.deps.manifests.get(repo, ref, [...MANIFEST_MEDIA_TYPES]);
    } catch (err) {
      if (isBerthError(err, 'MANIFEST_UNKNOWN') || isBerthError(err, 'NAME_UNKNOWN')) throw unknown('image', `${repo}${ref.kind === 'tag' ? ':' : '@'}${referenceString(ref)}`);
      throw err;
    }
  }

  private async imageView(digest: Digest, platform?: string): Promise<ImageScanView> {
    const row: ScanResultRow | undefined = await this.deps.scans.findResult(digest);
    const base = { digest, ...(platform ? { platform } : {}) };
    if (!row) return { ...base, status: this.deps.isQueued(digest) ? 'queued' : 'unscanned', counts: severityCounts([]), findings: [] };
    const findings = sortFindings(JSON.parse(row.findingsJson) as VulnerabilityFinding[]);
    const inventory = JSON.parse(row.inventoryJson) as Inventory;
    return {
      ...base,
      status: 'scanned',
      scannedAt: new Date(row.scannedAt).toISOString(),
      matchedAt: new Date(row.matchedAt).toISOString(),
      revision: row.revision,
      ...(inventory.os ? { os: inventory.os.prettyName ?? `${inventory.os.id} ${inventory.os.versionId ?? ''}`.trim() } : {}),
      packageCount: inventory.packages.length,
      counts: severityCounts(findings),
      findings,
    };
  }
}
