import { z } from 'zod';
import { projectOf } from '../../auth/policy.ts';
import type { StoredManifestReader } from '../../image/berth-storage.source.ts';
import type { ScanRepo } from '../../meta/scan.repo.ts';
import type { Digest } from '../../oci/digest.ts';
import type { RepoName } from '../../oci/names.ts';
import { MANIFEST_MEDIA_TYPES } from '../../oci/media-types.ts';
import type { PromotionGate } from '../../versions/promotion-gates.ts';
import type { VulnerabilityFinding } from '../match/vulnerability-matcher.ts';
import type { ScanSettings } from './scan-settings.ts';
import { scannedImagesOf, type ScanService } from './scan.service.ts';
import { severityRank, vulnerabilityVerdict, type ImageFindings } from './vulnerability-verdict.ts';

export const ScanCleanParams = z.strictObject({
  /** Findings at or above this severity fail the gate (the worst allowed is the one below). */
  severity: z.enum(['low', 'medium', 'high', 'critical']).default('high'),
  /** An image without a scan result: `fail`, or `scan` (queue a scan, then fail asking for a retry). */
  unscanned: z.enum(['fail', 'scan']).default('fail'),
});
export type ScanCleanParams = z.output<typeof ScanCleanParams>;

export interface ScanCleanGateDeps {
  manifests: StoredManifestReader;
  results: Pick<ScanRepo, 'findResult'>;
  /** The target project's vulnerability policy (grace period) and exceptions. */
  settings: Pick<ScanSettings, 'policy' | 'exceptions'>;
  /** Queues scans (`unscanned: scan`) and tells whether one is already waiting or running. */
  scans: Pick<ScanService, 'request'> & { queue: { isPending(kind: 'scan', digest: string): boolean } };
  now: () => number;
}

/**
 * `scan-clean` promotion gate (#5): every image the promotion carries (the image, or each platform image of an
 * index) has a stored scan with no finding at or above `severity` that counts under the *target* project's
 * vulnerability policy: its exceptions and grace period apply, through the pull policy's own verdict
 * (vulnerability-verdict.ts). Results are per digest, so a scan made in any repository counts. An artifact (no
 * image to scan) passes. An unscanned image fails; with `unscanned: scan` a scan is queued first.
 */
export function scanCleanGate(deps: ScanCleanGateDeps): PromotionGate<ScanCleanParams> {
  return {
    kind: 'scan-clean',
    description: 'the image is scanned and has no vulnerability at or above `severity` (default high) the target project has not excepted; `unscanned`: fail (default) or scan (queue a scan and fail until it is done)',
    params: ScanCleanParams,
    async evaluate(c, params) {
      const stored = await deps.manifests.get(c.source.repository, { kind: 'digest', digest: c.source.digest }, [...MANIFEST_MEDIA_TYPES]);
      const digests = scannedImagesOf(stored);
      if (digests.length === 0) return { passed: true, reason: 'not an image (an artifact): nothing to scan' };
      const images: ImageFindings[] = await Promise.all(digests.map(async (digest) => {
        const row = await deps.results.findResult(digest);
        return { digest, findings: row ? (JSON.parse(row.findingsJson) as VulnerabilityFinding[]) : undefined };
      }));
      const project = projectOf(c.target.repository);
      const policy = { ...deps.settings.policy(project), severity: params.severity, refuseUnscanned: true };
      const now = deps.now();
      const verdict = vulnerabilityVerdict(policy, c.target.repository, images, deps.settings.exceptions(project), now);
      const reasons: string[] = [];
      if (verdict.blocking.length > 0) reasons.push(verdict.reason!);
      if (verdict.unscanned.length > 0) reasons.push(await unscannedReason(deps, c.source.repository, verdict.unscanned as Digest[], digests.length, params.unscanned));
      if (reasons.length > 0) return { passed: false, reason: reasons.join('; ') };
      return { passed: true, reason: cleanReason(images, params.severity) };
    },
  };
}

async function unscannedReason(
  deps: Pick<ScanCleanGateDeps, 'scans'>,
  repo: RepoName,
  unscanned: Digest[],
  imageCount: number,
  mode: ScanCleanParams['unscanned'],
): Promise<string> {
  const what = imageCount === 1 ? 'the image has' : `${unscanned.length} of ${imageCount} images have`;
  if (mode === 'scan') {
    for (const digest of unscanned) await deps.scans.request(repo, digest, 'adhoc');
    return `${what} not been scanned for vulnerabilities: scan queued, retry when it has finished`;
  }
  if (unscanned.every((d) => deps.scans.queue.isPending('scan', d))) return `${what} not been scanned for vulnerabilities yet: a scan is queued, retry when it has finished`;
  return `${what} not been scanned for vulnerabilities: run berth scans run ${repo}@${unscanned[0]} --wait`;
}

/** "scanned: no vulnerability at or above high (2 excepted or in grace, 5 below)". */
function cleanReason(images: readonly ImageFindings[], severity: ScanCleanParams['severity']): string {
  const threshold = severityRank(severity);
  const ids = (atOrAbove: boolean) => new Set(images.flatMap((i) => i.findings ?? []).filter((f) => (severityRank(f.severity) >= threshold) === atOrAbove).map((f) => f.id));
  const excused = ids(true).size;
  const below = ids(false).size;
  const notes = [...(excused > 0 ? [`${excused} excepted or in grace`] : []), ...(below > 0 ? [`${below} below`] : [])];
  return `scanned: no vulnerability at or above ${severity}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}
