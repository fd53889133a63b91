/** Compilers and headers belong in a build stage; the image that ships should carry only the result. */
import type { RunInstruction } from '../dockerfile.types.ts';
import { imageShortName, imageTag } from '../image-name.ts';
import type { LintContext } from '../lint-context.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';
import { packageName, type PackageCommand } from '../package-commands.ts';
import type { SimpleCommand } from '../shell-commands.ts';

const TOOLCHAIN_PACKAGES = new Set([
  'gcc', 'g++', 'gcc-c++', 'cpp', 'clang', 'llvm', 'make', 'cmake', 'ninja-build', 'ninja', 'meson', 'build-essential', 'build-base',
  'autoconf', 'automake', 'libtool', 'pkg-config', 'pkgconf', 'pkgconfig', 'golang', 'golang-go', 'go', 'cargo', 'rustc', 'rust',
  'maven', 'gradle', 'linux-headers', 'kernel-headers', 'kernel-devel', 'musl-dev', 'libc6-dev', 'libc-dev', 'binutils',
]);
const TOOLCHAIN_PATTERNS = [/-dev$/, /-devel$/, /^(gcc|g\+\+|clang|llvm|cpp)-\d+(\.\d+)*$/, /^openjdk-?\d*-jdk(-headless)?$/, /^java-[\d.]+-openjdk-devel$/];
/** Official images that are toolchains: fine to build in, heavy to ship. */
const TOOLCHAIN_IMAGES = new Set(['golang', 'rust', 'gcc', 'maven', 'gradle', 'buildpack-deps']);
const JDK_IMAGES = new Set(['openjdk', 'eclipse-temurin', 'amazoncorretto']);

function isToolchain(pkg: string): boolean {
  const name = packageName(pkg).toLowerCase();
  return TOOLCHAIN_PACKAGES.has(name) || TOOLCHAIN_PATTERNS.some((re) => re.test(name));
}

const INSTALLS: Record<string, Set<string>> = { apt: new Set(['install', 'build-dep']), apk: new Set(['add']), yum: new Set(['install', 'groupinstall']) };
const REMOVALS: Record<string, Set<string>> = { apt: new Set(['purge', 'remove', 'autoremove']), apk: new Set(['del']), yum: new Set(['remove', 'erase', 'autoremove']) };

/**
 * Whether the RUN marks what it installed as automatic and auto-removes it (`apt-mark auto '.*'; apt-mark manual
 * $saved; apt-get purge -y --auto-remove`), as the official images do.
 */
function isAptAutoRemoved(commands: PackageCommand[], shell: SimpleCommand[]): boolean {
  const isAutoRemove = (c: PackageCommand) => c.manager === 'apt' && (c.action === 'autoremove' || (['purge', 'remove'].includes(c.action) && c.options.includes('--auto-remove')));
  return shell.some((c) => c.program[0] === 'apt-mark' && c.program[1] === 'auto') && commands.some(isAutoRemove);
}

/** Toolchain packages a RUN installs and does not remove again in the same RUN (`apk del .build-deps`). */
function toolchainLeft(commands: PackageCommand[], shell: SimpleCommand[]): string[] {
  const removed = new Set(commands.filter((c) => REMOVALS[c.manager]?.has(c.action)).flatMap((c) => c.operands.map(packageName)));
  const isAptCleared = isAptAutoRemoved(commands, shell);
  return commands.flatMap((c) => {
    if (!INSTALLS[c.manager]?.has(c.action) || (c.manager === 'apt' && isAptCleared)) return [];
    if (c.action === 'build-dep') return removed.size > 0 ? [] : [`build dependencies of ${c.operands.join(' ')}`];
    const virtual = c.options.find((o) => o.startsWith('--virtual=') || o.startsWith('-t='))?.replace(/^[^=]*=/, '');
    if (virtual && removed.has(virtual)) return [];
    return c.operands.filter((p) => isToolchain(p) && !removed.has(packageName(p)));
  });
}

function advice(ctx: LintContext): string {
  return ctx.dockerfile.stages.length > 1
    ? 'install the toolchain in the build stage only and COPY --from=<build stage> just the artifacts into the final stage'
    : 'use a multi-stage build: compile in FROM <toolchain image> AS build, then COPY --from=build only the artifacts into a slim runtime image';
}

export const buildToolsInFinalStage: LintRule = {
  id: 'build-tools-in-final-stage',
  severity: 'warning',
  title: 'compilers, headers or -dev packages in the image that ships (suggest a multi-stage build)',
  check: (ctx) => {
    const stage = ctx.finalStage;
    if (!stage) return [];
    const findings: RuleFinding[] = [];
    const root = ctx.lineage(stage).at(-1)!.from;
    const short = imageShortName(root.imageExpanded);
    if (root.unresolvedVars.length === 0 && (TOOLCHAIN_IMAGES.has(short) || (JDK_IMAGES.has(short) && /jdk/i.test(imageTag(root.imageExpanded).tag ?? 'jdk')))) {
      findings.push({ range: root.range, message: `the final image is built on "${root.imageExpanded}", a full toolchain image (compilers, headers, package caches)`, fix: advice(ctx) });
    }
    const runs = ctx.inheritedInstructions(stage).filter((i): i is RunInstruction => i.keyword === 'RUN');
    for (const run of runs) {
      const left = toolchainLeft(ctx.packageCommands(run), ctx.script(run).commands);
      if (left.length === 0) continue;
      findings.push({ range: run.range, message: `build toolchain installed in the final stage: ${[...new Set(left)].join(', ')}`, fix: advice(ctx) });
    }
    return findings;
  },
};
