import type { Advice } from './analysis.types.ts';
import { makeAdvice, splitImageName, type AdviceInput } from './advice-kit.ts';
import { slimVariantOf } from './slim-bases.ts';

export function slimBaseAdvice(input: AdviceInput): Advice[] {
  if (!input.base.name) return [];
  const { repository, tag } = splitImageName(input.base.name);
  const slim = slimVariantOf(repository, tag);
  if (!slim) return [];
  const version = tag && tag !== 'latest' ? tag : '<version>';
  const baseBytes = input.base.baseBytes?.uncompressed;
  // With the base's own size known, the saving is that minus the slim variant's typical size; else the table's gap.
  const savesBytes = Math.max(0, (baseBytes ?? slim.typicalBytes) - slim.typicalSlimBytes);
  return [
    makeAdvice(
      {
        id: 'slim-base',
        category: 'size',
        severity: 'warning',
        title: `Large base image ${input.base.name}: a slim variant exists`,
        suggestion: `Build on ${slim.alternatives.map((a) => a.replace('<version>', version)).join(' or ')}.`,
        savesBytes,
        isEstimate: true,
      },
      [{ note: `base ${input.base.name} (recognised by ${input.base.evidence})`, ...(baseBytes !== undefined ? { bytes: baseBytes } : {}), ...(input.base.layerCount !== null ? { layer: input.base.layerCount - 1 } : {}) }],
    ),
  ];
}

export function secretsAdvice(input: AdviceInput): Advice[] {
  if (input.secrets.length === 0) return [];
  const removed = input.secrets.filter((s) => !s.isPresentInFinal).length;
  return [
    makeAdvice(
      {
        id: 'secrets',
        category: 'security',
        severity: 'high',
        title: `${input.secrets.length} secret(s) committed into layers${removed > 0 ? ` (${removed} deleted later, still readable from the layer that added them)` : ''}`,
        suggestion: 'Rotate these credentials now: anyone who can pull the image can read them. Pass secrets at build time with RUN --mount=type=secret and at run time through the environment or a secret store; deleting a file in a later layer does not remove it.',
        savesBytes: input.secrets.reduce((s, f) => s + f.sizeBytes, 0),
      },
      input.secrets.map((s) => ({ path: s.path, layer: s.layer, bytes: s.sizeBytes, note: `${s.kind}: ${s.detail}${s.removedInLayer !== null ? `; removed in layer ${s.removedInLayer}` : ''}` })),
    ),
  ];
}

export function rootUserAdvice(input: AdviceInput): Advice[] {
  if (!input.runConfig.isRoot) return [];
  return [
    makeAdvice(
      {
        id: 'runs-as-root',
        category: 'security',
        severity: 'warning',
        title: `Runs as root (config User is ${input.runConfig.user ? `"${input.runConfig.user}"` : 'empty'})`,
        suggestion: 'Create an unprivileged user and switch to it: RUN useradd --system app, then USER app (or a numeric UID such as USER 65532).',
        savesBytes: 0,
      },
      [{ note: `config.User = ${JSON.stringify(input.runConfig.user ?? '')}` }],
    ),
  ];
}

export function healthcheckAdvice(input: AdviceInput): Advice[] {
  const test = input.runConfig.healthcheck;
  if (test && test.length > 0 && test[0] !== 'NONE') return [];
  return [
    makeAdvice(
      {
        id: 'no-healthcheck',
        category: 'practice',
        severity: 'info',
        title: test?.[0] === 'NONE' ? 'HEALTHCHECK is disabled (NONE)' : 'No HEALTHCHECK',
        suggestion: 'Add HEALTHCHECK CMD <probe> so Docker and orchestrators that read it can tell a hung container from a healthy one (Kubernetes uses its own probes).',
        savesBytes: 0,
      },
      [{ note: 'config.Healthcheck is not set' }],
    ),
  ];
}

/** A base named without a tag, or with `latest`, by annotation, label, catalog match or history `FROM`. */
export function baseLatestAdvice(input: AdviceInput): Advice[] {
  const names = [...new Set([...(input.base.name ? [input.base.name] : []), ...input.historyBaseNames])];
  const floating = names.filter((n) => {
    const { tag, digest } = splitImageName(n);
    return !digest && (tag === undefined || tag === 'latest');
  });
  if (floating.length === 0) return [];
  return [
    makeAdvice(
      {
        id: 'base-latest',
        category: 'practice',
        severity: 'warning',
        title: `Base image pinned to latest: ${floating.join(', ')}`,
        suggestion: 'Pin the base to a version tag (and ideally a digest: FROM image:1.2.3@sha256:...) so rebuilds are reproducible and updates deliberate.',
        savesBytes: 0,
      },
      floating.map((n) => ({ note: n === input.base.name ? `base ${n} (recognised by ${input.base.evidence})` : `history: FROM ${n}` })),
    ),
  ];
}
