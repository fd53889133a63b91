/** Base images should be pinned: a missing tag means `latest`, and `latest` moves under you. */
import type { FromInstruction } from '../dockerfile.types.ts';
import type { LintContext } from '../lint-context.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';
import { imageRepository, imageTag } from '../image-name.ts';

/** The FROM lines that name an external image whose reference is fully known. */
function externalBases(ctx: LintContext): FromInstruction[] {
  return ctx.dockerfile.stages
    .filter((s) => s.baseStageIndex === undefined && s.from.unresolvedVars.length === 0 && s.from.imageExpanded.toLowerCase() !== 'scratch')
    .map((s) => s.from);
}

export const baseImageUntagged: LintRule = {
  id: 'base-image-untagged',
  severity: 'warning',
  title: 'FROM names an image without a tag or digest (it means :latest)',
  check: (ctx) =>
    externalBases(ctx).flatMap((from): RuleFinding[] => {
      const { tag, hasDigest } = imageTag(from.imageExpanded);
      if (tag !== undefined || hasDigest) return [];
      return [{
        range: from.range,
        message: `base image "${from.imageExpanded}" has no tag or digest, so it means "${from.imageExpanded}:latest" and changes whenever upstream pushes`,
        fix: `pin a version tag (FROM ${from.imageExpanded}:<version>) or a digest (FROM ${from.imageExpanded}:<version>@sha256:...)`,
      }];
    }),
};

export const baseImageLatest: LintRule = {
  id: 'base-image-latest',
  severity: 'warning',
  title: 'FROM pins the base image to the moving "latest" tag',
  check: (ctx) =>
    externalBases(ctx).flatMap((from): RuleFinding[] => {
      const { tag, hasDigest } = imageTag(from.imageExpanded);
      if (tag !== 'latest' || hasDigest) return [];
      return [{
        range: from.range,
        message: `base image "${from.imageExpanded}" uses the "latest" tag, which changes whenever upstream pushes`,
        fix: `pin a version tag (FROM ${imageRepository(from.imageExpanded)}:<version>), ideally with its digest`,
      }];
    }),
};
