/** Rules about single instructions: exec-form CMD/ENTRYPOINT, absolute WORKDIR, MAINTAINER. */
import type { LintRule, RuleFinding } from '../lint.types.ts';

export const cmdShellForm: LintRule = {
  id: 'cmd-shell-form',
  severity: 'warning',
  title: 'CMD or ENTRYPOINT in shell form: the process runs under /bin/sh -c and misses SIGTERM',
  check: (ctx) =>
    ctx.dockerfile.instructions.flatMap((i): RuleFinding[] => {
      if ((i.keyword !== 'CMD' && i.keyword !== 'ENTRYPOINT') || i.command.form !== 'shell') return [];
      const words = i.command.text.split(/\s+/).filter(Boolean);
      return [{
        range: i.range,
        message: `${i.keyword} in shell form runs "${i.command.text}" under /bin/sh -c: the shell is PID 1, so SIGTERM never reaches the process${i.keyword === 'ENTRYPOINT' ? ' and CMD arguments are ignored' : ''}`,
        fix: `use the exec form: ${i.keyword} ${JSON.stringify(words)}`,
      }];
    }),
};

export const workdirRelative: LintRule = {
  id: 'workdir-relative',
  severity: 'warning',
  title: 'WORKDIR with a relative path depends on every WORKDIR before it',
  check: (ctx) =>
    ctx.dockerfile.instructions.flatMap((i): RuleFinding[] => {
      if (i.keyword !== 'WORKDIR' || i.value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(i.value) || i.value === '') return [];
      return [{
        range: i.range,
        message: `WORKDIR "${i.value}" is relative: it resolves against the previous WORKDIR (or the base image's)`,
        fix: `use an absolute path: WORKDIR /${i.value.replace(/^\.\//, '')}`,
      }];
    }),
};

export const maintainerDeprecated: LintRule = {
  id: 'maintainer-deprecated',
  severity: 'info',
  title: 'MAINTAINER is deprecated',
  check: (ctx) =>
    ctx.dockerfile.instructions.flatMap((i): RuleFinding[] =>
      i.keyword === 'MAINTAINER'
        ? [{ range: i.range, message: 'MAINTAINER is deprecated', fix: `LABEL org.opencontainers.image.authors=${JSON.stringify(i.value)}` }]
        : [],
    ),
};
