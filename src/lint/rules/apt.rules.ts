/** apt and apk usage within one RUN: refresh the index where it is used, and install only what is needed. */
import type { LintRule, RuleFinding } from '../lint.types.ts';
import { isInstall } from '../package-commands.ts';

export const updateWithoutInstall: LintRule = {
  id: 'update-without-install',
  severity: 'warning',
  title: '`apt-get update` (or `apk update`) in a RUN that installs nothing',
  check: (ctx) =>
    ctx.runs.flatMap((run): RuleFinding[] => {
      const commands = ctx.packageCommands(run);
      const update = commands.find((c) => (c.manager === 'apt' || c.manager === 'apk') && c.action === 'update');
      if (!update || commands.some((c) => c.manager === update.manager && isInstall(c))) return [];
      return [{
        range: run.range,
        message: `"${update.tool} update" runs in a RUN that installs nothing: the cached layer keeps a stale index, so a later install may fetch old or missing versions`,
        fix: `update and install in the same RUN: ${update.tool} update && ${update.tool === 'apk' ? 'apk add --no-cache <packages>' : `${update.tool} install -y --no-install-recommends <packages> && rm -rf /var/lib/apt/lists/*`}`,
      }];
    }),
};

const NO_RECOMMENDS = /^(--no-install-recommends|-o=APT::Install-Recommends=(false|0|no))$/i;

export const aptNoInstallRecommends: LintRule = {
  id: 'apt-no-install-recommends',
  severity: 'warning',
  title: '`apt-get install` without --no-install-recommends pulls in packages nobody asked for',
  check: (ctx) =>
    ctx.runs.flatMap((run): RuleFinding[] => {
      const installs = ctx.packageCommands(run).filter((c) => c.manager === 'apt' && c.action === 'install' && c.tool !== 'aptitude');
      const missing = installs.find((c) => !c.options.some((o) => NO_RECOMMENDS.test(o)));
      if (!missing) return [];
      return [{
        range: run.range,
        message: `"${missing.tool} install" without --no-install-recommends also installs every recommended package, often tens of megabytes`,
        fix: `${missing.tool} install -y --no-install-recommends ${missing.operands.join(' ')}`.trim(),
      }];
    }),
};
