/** COPY --from must name an earlier stage (or an image): anything else fails the build or pulls a surprise. */
import type { CopyInstruction } from '../dockerfile.types.ts';
import { findStage } from '../dockerfile-parser.ts';
import { flagValue } from '../instruction-args.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';

function problem(copy: CopyInstruction, from: string, stageNames: (string | undefined)[]): string | undefined {
  const here = copy.stageIndex;
  const lower = from.toLowerCase();
  if (/^\d+$/.test(from)) {
    return Number(from) >= here ? `COPY --from=${from} refers to stage ${from}, but only stages 0-${here - 1} come before it` : undefined;
  }
  const index = stageNames.indexOf(lower);
  if (index === here) return `COPY --from=${from} refers to its own stage`;
  if (index > here) return `COPY --from=${from} refers to a stage defined later (line order matters)`;
  // A name with a registry, path, tag or digest is an image; a bare word is almost always a mistyped stage.
  if (index === -1 && !/[/:@.]/.test(from)) return `COPY --from=${from} names no stage: it would be pulled as the image docker.io/library/${lower}:latest`;
  return undefined;
}

export const copyFromUnknownStage: LintRule = {
  id: 'copy-from-unknown-stage',
  severity: 'error',
  title: 'COPY --from names no earlier stage',
  check: (ctx) => {
    const names = ctx.dockerfile.stages.map((s) => s.name);
    return ctx.dockerfile.instructions.flatMap((i): RuleFinding[] => {
      if (i.keyword !== 'COPY') return [];
      const from = flagValue(i.flags, 'from');
      // A variable is resolved by the build; the parser cannot tell which stage it names.
      if (from === undefined || from.includes('$') || findStage(ctx.dockerfile, from, i.stageIndex)) return [];
      const message = problem(i, from, names);
      if (!message) return [];
      const earlier = names.slice(0, i.stageIndex).filter(Boolean);
      return [{ range: i.range, message, fix: earlier.length > 0 ? `use one of the earlier stages: ${earlier.join(', ')}` : 'define the stage earlier (FROM image AS name) and refer to it by that name' }];
    });
  },
};
