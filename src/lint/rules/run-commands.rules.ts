/** Commands inside RUN that have a better Dockerfile equivalent or are unsafe. */
import type { RunInstruction } from '../dockerfile.types.ts';
import type { LintContext } from '../lint-context.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';
import type { SimpleCommand } from '../shell-commands.ts';

/** One finding per RUN whose commands satisfy `test`. */
function perRun(ctx: LintContext, test: (commands: SimpleCommand[], run: RunInstruction) => RuleFinding | undefined): RuleFinding[] {
  return ctx.runs.flatMap((run) => test(ctx.script(run).commands, run) ?? []);
}

export const sudoInRun: LintRule = {
  id: 'sudo-in-run',
  severity: 'warning',
  title: 'sudo in RUN: build steps already run as the current USER, switch with USER instead',
  check: (ctx) =>
    perRun(ctx, (commands, run) => {
      const sudo = commands.find((c) => c.isSudo);
      if (!sudo) return undefined;
      return {
        range: run.range,
        message: `RUN uses sudo ("${sudo.argv.join(' ')}"): it needs sudo installed and configured in the image and hides which user a step runs as`,
        fix: 'drop sudo; put the privileged steps under USER root and switch back to the unprivileged USER afterwards',
      };
    }),
};

export const cdInRun: LintRule = {
  id: 'cd-in-run',
  severity: 'warning',
  title: 'cd in RUN instead of WORKDIR',
  check: (ctx) =>
    perRun(ctx, (commands, run) => {
      const cd = commands.find((c) => c.program[0] === 'cd');
      if (!cd) return undefined;
      const dir = cd.program[1] ?? '~';
      return {
        range: run.range,
        message: `RUN changes directory with "cd ${dir}", which lasts only for this RUN and hides the working directory from readers`,
        fix: `set it with WORKDIR ${dir.startsWith('/') ? dir : `/<absolute path of ${dir}>`} before the RUN`,
      };
    }),
};

const DOWNLOADERS = new Set(['curl', 'wget']);
const SHELLS = /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash|zsh|ksh)$/;

export const curlPipeShell: LintRule = {
  id: 'curl-pipe-shell',
  severity: 'warning',
  title: 'a downloaded script piped straight into a shell (curl ... | sh)',
  check: (ctx) =>
    perRun(ctx, (commands, run) => {
      const download = commands.find((c) => DOWNLOADERS.has(c.program[0] ?? ''));
      const shell = download && commands.find((c) => c.pipeline === download.pipeline && c.pipeIndex > download.pipeIndex && SHELLS.test(c.program[0] ?? ''));
      if (!download || !shell) return undefined;
      return {
        range: run.range,
        message: `RUN pipes "${download.program.join(' ')}" into ${shell.program[0]}: whatever the server sends runs in the build, unverified`,
        fix: 'download to a file, verify it (sha256sum -c or a signature), then run it, all in the same RUN',
      };
    }),
};
