import type { ResolvedImage } from '../image/image-resolve.ts';
import type { RunConfigSummary } from './analysis.types.ts';
import { configLabels } from './base-image.ts';

function strings(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

/** Empty, `0`, `root`, with or without a group, all run as UID 0. */
export function isRootUser(user: string | null): boolean {
  const name = (user ?? '').split(':')[0]!.trim();
  return name === '' || name === '0' || name === 'root';
}

/** The parts of the config's `config` section the advice and the report show. */
export function runConfigSummary(image: ResolvedImage): RunConfigSummary {
  const config = (image.config.json.config ?? {}) as Record<string, unknown>;
  const user = typeof config.User === 'string' ? config.User : null;
  const healthcheck = strings((config.Healthcheck as { Test?: unknown } | undefined)?.Test);
  return {
    user,
    isRoot: isRootUser(user),
    healthcheck,
    entrypoint: strings(config.Entrypoint),
    cmd: strings(config.Cmd),
    exposedPorts: typeof config.ExposedPorts === 'object' && config.ExposedPorts !== null ? Object.keys(config.ExposedPorts).sort() : [],
    labels: configLabels(image),
  };
}
