import type { Advice, InstalledPackage } from './analysis.types.ts';
import { groupEvidence, groupFiles, makeAdvice, type AdviceInput } from './advice-kit.ts';

const HOME = '(?:root|home/[^/]+)';

/** Package manager caches and lists left in the image; each pattern matches the files below the cache. */
const CACHES = [
  { label: 'var/lib/apt/lists/', re: /^var\/lib\/apt\/lists\// },
  { label: 'var/cache/apt/', re: /^var\/cache\/apt\// },
  { label: 'var/cache/apk/', re: /^var\/cache\/apk\// },
  { label: 'var/cache/yum/', re: /^var\/cache\/yum\// },
  { label: 'var/cache/dnf/', re: /^var\/cache\/dnf\// },
  { label: '~/.cache/pip/', re: new RegExp(`^${HOME}/\\.cache/pip/`) },
  { label: '~/.npm/', re: new RegExp(`^${HOME}/\\.npm/`) },
  { label: 'yarn cache', re: new RegExp(`^(?:usr/local/share/\\.cache/yarn/|${HOME}/\\.cache/yarn/|${HOME}/\\.yarn/berry/cache/)`) },
  { label: '~/.cache/go-build/', re: new RegExp(`^${HOME}/\\.cache/go-build/`) },
];

const CACHE_FIX: Record<string, string> = {
  'var/lib/apt/lists/': 'end the RUN that installs with `&& rm -rf /var/lib/apt/lists/*`',
  'var/cache/apt/': 'run `apt-get clean` in the same RUN (or use a cache mount: RUN --mount=type=cache,target=/var/cache/apt)',
  'var/cache/apk/': 'use `apk add --no-cache`',
  'var/cache/yum/': 'end the RUN with `&& yum clean all`',
  'var/cache/dnf/': 'end the RUN with `&& dnf clean all`',
  '~/.cache/pip/': 'use `pip install --no-cache-dir`',
  '~/.npm/': 'end the RUN with `&& npm cache clean --force` (or use a cache mount)',
  'yarn cache': 'end the RUN with `&& yarn cache clean` (or use a cache mount)',
  '~/.cache/go-build/': 'build in a separate stage and copy only the binary',
};

export function packageCacheAdvice(input: AdviceInput): Advice[] {
  const groups = [...groupFiles(input.finalFiles, CACHES)].filter(([, files]) => files.some((f) => f.sizeBytes > 0));
  if (groups.length === 0) return [];
  const evidence = groups.map(([label, files]) => groupEvidence(label, files));
  const savesBytes = evidence.reduce((s, e) => s + (e.bytes ?? 0), 0);
  return [
    makeAdvice(
      {
        id: 'package-cache',
        category: 'size',
        severity: 'warning',
        title: `Package manager caches left in the image: ${groups.map(([l]) => l).join(', ')}`,
        suggestion: `Clean each cache in the same RUN that fills it: ${groups.map(([l]) => CACHE_FIX[l]).join('; ')}.`,
        savesBytes,
      },
      evidence,
    ),
  ];
}

/** Compilers, build tools and headers: a runtime image needs none of them. */
const TOOLCHAIN_FILES = [
  { label: 'usr/bin/gcc', re: /^usr\/bin\/(?:[a-z0-9_]+-linux-gnu-)?gcc(?:-\d+)?$/ },
  { label: 'usr/bin/g++', re: /^usr\/bin\/(?:[a-z0-9_]+-linux-gnu-)?g\+\+(?:-\d+)?$/ },
  { label: 'usr/bin/cc, c++', re: /^usr\/bin\/c(?:c|\+\+)$/ },
  { label: 'usr/bin/make', re: /^usr\/bin\/(?:make|cmake|gmake)$/ },
  { label: 'usr/bin/clang', re: /^usr\/bin\/clang(?:\+\+)?(?:-\d+)?$/ },
  { label: 'usr/lib/gcc/', re: /^usr\/lib\/gcc\// },
  { label: 'usr/libexec/gcc/', re: /^usr\/libexec\/gcc\// },
  { label: 'usr/include/', re: /^usr\/include\// },
  { label: 'Go toolchain', re: /^(?:usr\/local\/go\/|usr\/lib\/go-[^/]+\/|usr\/bin\/go$)/ },
  { label: 'Rust toolchain', re: new RegExp(`^(?:usr/local/cargo/|usr/local/rustup/|${HOME}/\\.cargo/|${HOME}/\\.rustup/|usr/bin/(?:cargo|rustc)$)`) },
];

/** dpkg/apk packages that only building needs; `-base` and runtime libraries are not among them. */
const BUILD_PACKAGE_RE = /^(?:build-essential|build-base|gcc(?:-\d+)?|g\+\+(?:-\d+)?|cpp(?:-\d+)?|clang(?:-\d+)?|make|cmake|automake|autoconf|libtool|golang(?:-[\d.]+)?(?:-go)?|go|cargo|rustc|rust|.+-dev|.+-devel)$/;

export function buildPackages(packages: readonly InstalledPackage[]): InstalledPackage[] {
  return packages.filter((p) => BUILD_PACKAGE_RE.test(p.name));
}

export function toolchainAdvice(input: AdviceInput): Advice[] {
  const groups = [...groupFiles(input.finalFiles, TOOLCHAIN_FILES)];
  const packages = buildPackages(input.packages.packages);
  if (groups.length === 0 && packages.length === 0) return [];
  const fileEvidence = groups.map(([label, files]) => groupEvidence(label, files));
  const fileBytes = fileEvidence.reduce((s, e) => s + (e.bytes ?? 0), 0);
  const packageBytes = packages.reduce((s, p) => s + (p.sizeBytes ?? 0), 0);
  const packageEvidence = packages.map((p) => ({ note: `${input.packages.manager} package ${p.name}${p.version ? ` ${p.version}` : ''}`, ...(p.sizeBytes !== null ? { bytes: p.sizeBytes } : {}) }));
  const isFromFiles = fileBytes > 0;
  return [
    makeAdvice(
      {
        id: 'build-toolchain',
        category: 'size',
        severity: 'warning',
        title: `Build toolchain in a runtime image: ${[...groups.map(([l]) => l), ...packages.map((p) => p.name)].slice(0, 8).join(', ')}`,
        suggestion: 'Use a multi-stage build: compile in a builder stage (FROM ... AS build) and COPY --from=build only the artefacts into a slim runtime stage.',
        // Counted from the toolchain files when there are any; otherwise the package database's installed sizes.
        savesBytes: isFromFiles ? fileBytes : packageBytes,
        isEstimate: !isFromFiles,
      },
      [...fileEvidence, ...packageEvidence],
    ),
  ];
}
