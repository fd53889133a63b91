/** Package manager caches must be removed in the RUN that made them: a later RUN cannot shrink the layer. */
import type { RunInstruction } from '../dockerfile.types.ts';
import type { LintContext } from '../lint-context.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';
import { isInstall, type PackageCommand, type PackageManager } from '../package-commands.ts';
import { isCacheMounted, removesPath, type RunScript } from '../run-script.ts';

interface CachePolicy {
  /** Where the manager leaves its cache (a cache mount there keeps it out of the layer). */
  cachePaths: string[];
  /** An `rm` of a path matching this removes the cache. */
  removed: RegExp;
  /** Whether the install itself avoids the cache (`apk add --no-cache`) or a clean command runs in the RUN. */
  isClean(install: PackageCommand, all: PackageCommand[], ctx: LintContext, run: RunInstruction): boolean;
  message: string;
  fix: string;
}

const runsCacheClean = (all: PackageCommand[], manager: PackageManager) => all.some((c) => c.manager === manager && c.action === 'cache' && c.operands[0] === 'clean');

/** Whether ENV sets `name` in the stage before `run` (or in a stage it builds on). */
function envBefore(ctx: LintContext, run: RunInstruction, name: string): boolean {
  const stage = ctx.dockerfile.stages[run.stageIndex];
  if (!stage) return false;
  return ctx.inheritedInstructions(stage).some((i) => i.keyword === 'ENV' && i.range.start < run.range.start && i.pairs.some((p) => p.key === name && p.value !== '' && p.value !== '0' && p.value?.toLowerCase() !== 'false'));
}

const POLICIES: Partial<Record<PackageManager, CachePolicy>> = {
  apt: {
    cachePaths: ['/var/lib/apt/lists', '/var/lib/apt'],
    removed: /^\/var\/lib\/apt\/lists(\/\*?)?$/,
    isClean: () => false,
    message: 'leaves the package lists in /var/lib/apt/lists (often 20-40 MB) in this layer',
    fix: 'end the same RUN with && rm -rf /var/lib/apt/lists/*',
  },
  apk: {
    cachePaths: ['/var/cache/apk'],
    removed: /^\/var\/cache\/apk(\/\*?)?$/,
    isClean: (install) => install.options.includes('--no-cache'),
    message: 'keeps the package index in /var/cache/apk in this layer',
    fix: 'use apk add --no-cache (no apk update needed)',
  },
  yum: {
    cachePaths: ['/var/cache/yum', '/var/cache/dnf', '/var/cache/libdnf5'],
    removed: /^\/var\/cache\/(yum|dnf|libdnf5)(\/\*?)?$/,
    isClean: (install, all) => all.some((c) => c.manager === 'yum' && c.action === 'clean' && c.operands.includes('all')),
    message: 'keeps the repository metadata and downloaded packages in /var/cache in this layer',
    fix: 'end the same RUN with && yum clean all (dnf clean all, microdnf clean all) && rm -rf /var/cache/yum /var/cache/dnf',
  },
  pip: {
    cachePaths: ['/root/.cache/pip', '/root/.cache'],
    removed: /^(\/root|~|\$HOME)\/\.cache(\/pip)?(\/\*?)?$/,
    isClean: (install, _all, ctx, run) => install.options.includes('--no-cache-dir') || envBefore(ctx, run, 'PIP_NO_CACHE_DIR'),
    message: 'keeps downloaded wheels in ~/.cache/pip in this layer',
    fix: 'use pip install --no-cache-dir (or ENV PIP_NO_CACHE_DIR=1, or RUN --mount=type=cache,target=/root/.cache/pip)',
  },
  npm: {
    cachePaths: ['/root/.npm'],
    removed: /^(\/root|~|\$HOME)\/\.npm(\/_cacache)?(\/\*?)?$/,
    isClean: (_install, all) => runsCacheClean(all, 'npm'),
    message: 'keeps the npm cache in ~/.npm in this layer',
    fix: 'end the same RUN with && npm cache clean --force (or RUN --mount=type=cache,target=/root/.npm)',
  },
  yarn: {
    cachePaths: ['/usr/local/share/.cache/yarn', '/root/.cache/yarn'],
    removed: /\.cache\/yarn(\/\*?)?$/,
    isClean: (_install, all) => runsCacheClean(all, 'yarn'),
    message: 'keeps the yarn cache in this layer',
    fix: 'end the same RUN with && yarn cache clean (or RUN --mount=type=cache,target=/usr/local/share/.cache/yarn)',
  },
};

function isHandled(policy: CachePolicy, script: RunScript): boolean {
  return policy.cachePaths.some((path) => isCacheMounted(script, path)) || removesPath(script.commands, policy.removed);
}

export const packageCacheNotCleaned: LintRule = {
  id: 'package-cache-not-cleaned',
  severity: 'warning',
  title: 'a package install leaves its cache (apt lists, apk, yum/dnf, pip, npm, yarn) in the layer',
  check: (ctx) =>
    ctx.runs.flatMap((run) => {
      const all = ctx.packageCommands(run);
      const findings: RuleFinding[] = [];
      const seen = new Set<PackageManager>();
      for (const install of all.filter(isInstall)) {
        const policy = POLICIES[install.manager];
        if (!policy || seen.has(install.manager)) continue;
        if (policy.isClean(install, all, ctx, run) || isHandled(policy, ctx.script(run))) continue;
        seen.add(install.manager);
        findings.push({ range: run.range, message: `"${[install.tool, install.action].filter(Boolean).join(' ')}" ${policy.message}`, fix: policy.fix });
      }
      return findings;
    }),
};
