import semver from 'semver';
import { z } from 'zod';
import { semverOf } from './tag-kind.ts';
import { isToolTag } from './tag-rules.ts';

/**
 * Retention rules per project (#4), evaluated on tags, pure. A policy lists keep rules; a tag that no rule keeps
 * is deleted (through the store's tag delete, recorded in tag history as `retention`). A policy with no keep
 * rule at all deletes nothing. Each kept tag is kept for the first reason in PRECEDENCE:
 *   1. immutable       an immutable tag rule refuses the delete (the TagGuard's refusal, naming the rule);
 *   2. history-window  the tag moved inside versions.historyWindow (unless the policy sets
 *                      protectHistoryWindow: false);
 *   3. pattern         the tag matches one of keepPatterns;
 *   4. pulled          its manifest was pulled within keepPulledWithinDays;
 *   5. most-recent     among the keepMostRecent most recently pushed tags of its repository;
 *   6. highest-version among the keepHighestVersions highest semantic versions of its repository;
 *   7. latest-patches  among the keepPatchesPerMinor highest patches of its major.minor;
 *   8. attachment      a tool's tag (`sha256-<hex>` fallback index, cosign's `.sig`/`.att`/`.sbom`) whose image is
 *                      not losing its last tag in this run: it follows its image, never counted by the rules above;
 *   9. no-rules        the policy has no keep rule at all (an empty policy never deletes everything).
 * Rules are counted per repository. Pre-releases count as versions and sort by SemVer 2.0.
 */

export const RetentionPolicy = z.strictObject({
  keepMostRecent: z.number().int().min(1).max(100_000).optional().describe('keep the N most recently pushed tags of each repository'),
  keepHighestVersions: z.number().int().min(1).max(100_000).optional().describe('keep the N highest semantic versions of each repository'),
  keepPatchesPerMinor: z.number().int().min(1).max(100_000).optional().describe('keep the N highest patches of each major.minor'),
  keepPatterns: z.array(z.string().min(1).max(128).regex(/^[A-Za-z0-9_.*?-]+$/, 'letters, digits, _ . - and the wildcards * ?')).max(100).optional()
    .describe('keep tags matching one of these globs (* any run, ? one character), e.g. "release-*"'),
  keepPulledWithinDays: z.number().int().min(1).max(3650).optional().describe('keep tags whose image was pulled in the last N days'),
  protectHistoryWindow: z.boolean().default(true).describe('keep tags that moved inside versions.historyWindow'),
});
export type RetentionPolicy = z.output<typeof RetentionPolicy>;

export const KEEP_REASONS = ['immutable', 'history-window', 'pattern', 'pulled', 'most-recent', 'highest-version', 'latest-patches', 'attachment', 'no-rules'] as const;
export type KeepReason = (typeof KEEP_REASONS)[number];
/** The documented order: the first that applies is the reason a tag is kept. */
export const PRECEDENCE: readonly KeepReason[] = KEEP_REASONS;
const RANKED_REASONS: readonly KeepReason[] = ['most-recent', 'highest-version', 'latest-patches'];

export interface RetentionTag {
  repository: string;
  tag: string;
  digest: string;
  /** Last push (or move) of the tag, epoch ms. */
  pushedAt: number;
  /** Last pull of its manifest, epoch ms, if known. */
  pulledAt?: number;
  /** The immutable rule's refusal when the guard refuses deleting this tag. */
  immutable?: string;
}

export interface TagVerdict {
  repository: string;
  tag: string;
  digest: string;
  /** Undefined: the tag is deleted. */
  keep?: KeepReason;
  /** Why, for people (the immutable rule's message, the pattern that matched, the rank). */
  detail: string;
}

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function hasKeepRule(p: RetentionPolicy): boolean {
  return p.keepMostRecent !== undefined || p.keepHighestVersions !== undefined || p.keepPatchesPerMinor !== undefined
    || (p.keepPatterns?.length ?? 0) > 0 || p.keepPulledWithinDays !== undefined;
}

/** Rank-based reasons of one repository's tags: tag -> [reason, detail]. */
function rankedKeeps(tags: readonly RetentionTag[], policy: RetentionPolicy): Map<string, Array<[KeepReason, string]>> {
  const keeps = new Map<string, Array<[KeepReason, string]>>();
  const add = (tag: string, reason: KeepReason, detail: string) => keeps.set(tag, [...(keeps.get(tag) ?? []), [reason, detail]]);
  if (policy.keepMostRecent !== undefined) {
    const byPush = [...tags].sort((a, b) => b.pushedAt - a.pushedAt || a.tag.localeCompare(b.tag));
    byPush.slice(0, policy.keepMostRecent).forEach((t, i) => add(t.tag, 'most-recent', `#${i + 1} most recently pushed (keep ${policy.keepMostRecent})`));
  }
  const versions = tags.flatMap((t) => {
    const v = semverOf(t.tag);
    return v ? [{ tag: t.tag, version: v }] : [];
  }).sort((a, b) => semver.rcompare(a.version, b.version) || a.tag.localeCompare(b.tag));
  if (policy.keepHighestVersions !== undefined) {
    versions.slice(0, policy.keepHighestVersions).forEach((v, i) => add(v.tag, 'highest-version', `#${i + 1} highest version (keep ${policy.keepHighestVersions})`));
  }
  if (policy.keepPatchesPerMinor !== undefined) {
    const seen = new Map<string, number>();
    for (const v of versions) {
      const minor = `${semver.major(v.version)}.${semver.minor(v.version)}`;
      const rank = (seen.get(minor) ?? 0) + 1;
      seen.set(minor, rank);
      if (rank <= policy.keepPatchesPerMinor) add(v.tag, 'latest-patches', `#${rank} patch of ${minor} (keep ${policy.keepPatchesPerMinor})`);
    }
  }
  return keeps;
}

/**
 * A tool's tag (`sha256-<hex>[.sig|.att|.sbom]`) goes only when this run deletes every tag of the image it is
 * attached to, so a kept image keeps its signatures, attestations and fallback index. An image that had no tag
 * to begin with (a platform manifest of an index) keeps its attachments.
 */
function attachmentVerdict(t: RetentionTag, imageVerdicts: readonly TagVerdict[], isActive: boolean): TagVerdict {
  const base = { repository: t.repository, tag: t.tag, digest: t.digest };
  const subject = `sha256:${t.tag.slice('sha256-'.length, 'sha256-'.length + 64)}`;
  const imageTags = imageVerdicts.filter((v) => v.digest === subject);
  if (imageTags.length > 0 && imageTags.every((v) => v.keep === undefined)) {
    return { ...base, detail: `attached to ${subject}, whose tags this run deletes (${imageTags.map((v) => v.tag).join(', ')})` };
  }
  if (!isActive) return { ...base, keep: 'no-rules', detail: 'the policy has no keep rule: nothing is deleted' };
  return { ...base, keep: 'attachment', detail: `attached to ${subject}, which this run does not untag` };
}

/**
 * The verdict for every tag: kept (with the first reason in PRECEDENCE) or deleted. `historySince` is the start
 * of the history window; `now` dates the pull window.
 */
export function evaluateRetention(tags: readonly RetentionTag[], policy: RetentionPolicy, clock: { now: number; historySince: number }): TagVerdict[] {
  const isActive = hasKeepRule(policy);
  const patterns = (policy.keepPatterns ?? []).map((p) => ({ p, re: globRe(p) }));
  const pulledSince = policy.keepPulledWithinDays === undefined ? undefined : clock.now - policy.keepPulledWithinDays * 86_400_000;
  const byRepo = new Map<string, RetentionTag[]>();
  for (const t of tags) byRepo.set(t.repository, [...(byRepo.get(t.repository) ?? []), t]);
  const verdicts: TagVerdict[] = [];
  for (const [, repoTags] of [...byRepo].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Tools' tags are not versions: they take no rank and follow their image (attachmentVerdict).
    const images = repoTags.filter((t) => !isToolTag(t.tag));
    const ranked = rankedKeeps(images, policy);
    const byTag = new Map<string, TagVerdict>();
    for (const t of images) {
      const base = { repository: t.repository, tag: t.tag, digest: t.digest };
      const pattern = patterns.find(({ re }) => re.test(t.tag));
      const candidates: Array<[KeepReason, string] | undefined> = [
        t.immutable !== undefined ? ['immutable', t.immutable] : undefined,
        policy.protectHistoryWindow && t.pushedAt >= clock.historySince ? ['history-window', `moved ${new Date(t.pushedAt).toISOString()}, inside the history window`] : undefined,
        pattern ? ['pattern', `matches "${pattern.p}"`] : undefined,
        pulledSince !== undefined && t.pulledAt !== undefined && t.pulledAt >= pulledSince ? ['pulled', `pulled ${new Date(t.pulledAt).toISOString()}`] : undefined,
        ...RANKED_REASONS.map((reason) => ranked.get(t.tag)?.find(([r]) => r === reason)),
      ];
      const keep = candidates.find((c) => c !== undefined);
      if (keep) byTag.set(t.tag, { ...base, keep: keep[0], detail: keep[1] });
      else if (!isActive) byTag.set(t.tag, { ...base, keep: 'no-rules', detail: 'the policy has no keep rule: nothing is deleted' });
      else byTag.set(t.tag, { ...base, detail: 'no keep rule matched' });
    }
    const imageVerdicts = [...byTag.values()];
    for (const t of repoTags.filter((r) => isToolTag(r.tag))) byTag.set(t.tag, attachmentVerdict(t, imageVerdicts, isActive));
    for (const t of [...repoTags].sort((a, b) => (a.tag < b.tag ? -1 : 1))) verdicts.push(byTag.get(t.tag)!);
  }
  return verdicts;
}
