/** What a RUN instruction executes: its shell commands and its cache mounts. */
import type { InstructionFlag, RunInstruction } from './dockerfile.types.ts';
import { parseShellCommands, type SimpleCommand } from './shell-commands.ts';

export interface RunScript {
  /** Every simple command, including those of a heredoc script (`RUN <<EOF`, `RUN bash <<EOF`). */
  commands: SimpleCommand[];
  /** Targets of `--mount=type=cache` (and tmpfs): what is written there stays out of the layer. */
  cacheTargets: string[];
}

const SHELL_PROGRAMS = /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash|zsh|ksh)$/;

function mountOptions(value: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    options.set((eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase(), eq === -1 ? '' : part.slice(eq + 1).trim());
  }
  return options;
}

/** `--mount=type=cache,target=/root/.cache` (also `dst=`, `destination=`): the targets of cache and tmpfs mounts. */
export function cacheMountTargets(flags: readonly InstructionFlag[]): string[] {
  return flags.flatMap((flag) => {
    if (flag.name !== 'mount' || flag.value === undefined) return [];
    const options = mountOptions(flag.value);
    const target = options.get('target') ?? options.get('dst') ?? options.get('destination');
    return ['cache', 'tmpfs'].includes(options.get('type') ?? '') && target ? [target.replace(/\/+$/, '')] : [];
  });
}

export function analyzeRun(run: RunInstruction): RunScript {
  const cacheTargets = cacheMountTargets(run.flags);
  if (run.command.form === 'exec') {
    const args = run.command.args;
    const c = args.indexOf('-c');
    if (SHELL_PROGRAMS.test(args[0] ?? '') && c !== -1 && args[c + 1] !== undefined) return { commands: parseShellCommands(args[c + 1]!), cacheTargets };
    return { commands: parseShellCommands(args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')), cacheTargets };
  }
  const commands = parseShellCommands(run.command.text);
  const heredoc = run.heredocs[0];
  // `RUN <<EOF` runs the body as the script; so does a shell reading it (`RUN bash <<EOF`, `RUN sh -e <<EOF`).
  const readsScript = commands.length === 0 || (commands.length === 1 && SHELL_PROGRAMS.test(commands[0]!.program[0] ?? '') && !commands[0]!.program.includes('-c'));
  if (heredoc && readsScript) commands.push(...parseShellCommands(heredoc.content));
  return { commands, cacheTargets };
}

/** Whether some command removes `path` (or everything below it): `rm -rf /var/lib/apt/lists/*`. */
export function removesPath(commands: readonly SimpleCommand[], path: RegExp): boolean {
  return commands.some((c) => c.program[0] === 'rm' && c.program.slice(1).some((arg) => !arg.startsWith('-') && path.test(arg)));
}

/** Whether a cache mount covers `path` (a mount on it or on a parent). */
export function isCacheMounted(script: RunScript, path: string): boolean {
  return script.cacheTargets.some((target) => path === target || path.startsWith(`${target}/`));
}
