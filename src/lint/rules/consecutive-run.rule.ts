/** Every RUN makes a layer; RUNs in a row are usually one step and belong in one layer. */
import type { RunInstruction } from '../dockerfile.types.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';

export const consecutiveRun: LintRule = {
  id: 'consecutive-run',
  severity: 'info',
  title: 'consecutive RUN instructions that could be one layer',
  check: (ctx) =>
    ctx.dockerfile.stages.flatMap((stage) => {
      const groups: RunInstruction[][] = [];
      let current: RunInstruction[] = [];
      for (const instruction of [...stage.instructions, undefined]) {
        if (instruction?.keyword === 'RUN') current.push(instruction);
        else {
          if (current.length > 1) groups.push(current);
          current = [];
        }
      }
      return groups.map((runs): RuleFinding => ({
        range: { start: runs[0]!.range.start, end: runs.at(-1)!.range.end },
        message: `${runs.length} consecutive RUN instructions (lines ${runs.map((r) => r.range.start).join(', ')}) make ${runs.length} layers; files one step creates and a later one deletes still cost bytes`,
        fix: 'combine them into one RUN with && (or a RUN <<EOF heredoc script), cleaning up in the same RUN',
      }));
    }),
};
