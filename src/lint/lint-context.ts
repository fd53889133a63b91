/** The parsed Dockerfile with the derived facts rules share, computed once. */
import type { Dockerfile, Instruction, RunInstruction, Stage } from './dockerfile.types.ts';
import { packageCommands, type PackageCommand } from './package-commands.ts';
import { analyzeRun, type RunScript } from './run-script.ts';

export class LintContext {
  private readonly scripts = new Map<RunInstruction, RunScript>();
  private readonly packages = new Map<RunInstruction, PackageCommand[]>();

  constructor(readonly dockerfile: Dockerfile) {}

  /** The stage a plain `docker build` produces (the last one); undefined when there is no FROM. */
  get finalStage(): Stage | undefined {
    return this.dockerfile.stages.at(-1);
  }

  get runs(): RunInstruction[] {
    return this.dockerfile.instructions.filter((i): i is RunInstruction => i.keyword === 'RUN');
  }

  script(run: RunInstruction): RunScript {
    let script = this.scripts.get(run);
    if (!script) this.scripts.set(run, (script = analyzeRun(run)));
    return script;
  }

  packageCommands(run: RunInstruction): PackageCommand[] {
    let found = this.packages.get(run);
    if (!found) this.packages.set(run, (found = packageCommands(this.script(run).commands)));
    return found;
  }

  /** `stage` and the earlier stages it is built FROM, nearest first. */
  lineage(stage: Stage): Stage[] {
    const chain = [stage];
    for (let s = stage; s.baseStageIndex !== undefined; ) {
      s = this.dockerfile.stages[s.baseStageIndex]!;
      chain.push(s);
    }
    return chain;
  }

  /** The instructions that make up the stage's image: those of the stages it builds on first, then its own. */
  inheritedInstructions(stage: Stage): Instruction[] {
    return this.lineage(stage).reverse().flatMap((s) => s.instructions);
  }
}
