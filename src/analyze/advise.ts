import type { Advice } from './analysis.types.ts';
import { baseLatestAdvice, healthcheckAdvice, rootUserAdvice, secretsAdvice, slimBaseAdvice } from './advice-image.ts';
import type { AdviceInput, AdviceRule } from './advice-kit.ts';
import { packageCacheAdvice, toolchainAdvice } from './advice-files.ts';
import { combineLayersAdvice, deletedFilesAdvice, duplicateFilesAdvice, overwrittenFilesAdvice } from './advice-layers.ts';

const RULES: AdviceRule[] = [
  secretsAdvice,
  packageCacheAdvice,
  toolchainAdvice,
  slimBaseAdvice,
  deletedFilesAdvice,
  overwrittenFilesAdvice,
  duplicateFilesAdvice,
  combineLayersAdvice,
  rootUserAdvice,
  baseLatestAdvice,
  healthcheckAdvice,
];

const SEVERITY_ORDER = { high: 0, warning: 1, info: 2 } as const;

/** Every rule's advice, most severe first, then by bytes saved. */
export function advise(input: AdviceInput): Advice[] {
  return RULES.flatMap((rule) => rule(input)).sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.savesBytes - a.savesBytes);
}
