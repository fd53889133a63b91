/** Every lint rule, in the order their ids are listed in help and SARIF. */
import type { LintRule } from '../lint.types.ts';
import { addLocalFile, addUrlOrArchive } from './add.rules.ts';
import { aptNoInstallRecommends, updateWithoutInstall } from './apt.rules.ts';
import { baseImageLatest, baseImageUntagged } from './base-image.rules.ts';
import { buildToolsInFinalStage } from './build-tools.rule.ts';
import { consecutiveRun } from './consecutive-run.rule.ts';
import { copyFromUnknownStage } from './copy-from.rule.ts';
import { healthcheckMissing, userMissing, userRoot } from './final-stage.rules.ts';
import { cmdShellForm, maintainerDeprecated, workdirRelative } from './instruction.rules.ts';
import { packageCacheNotCleaned } from './package-cache.rule.ts';
import { cdInRun, curlPipeShell, sudoInRun } from './run-commands.rules.ts';
import { secretInEnvArg } from './secrets.rule.ts';

export const ALL_RULES: readonly LintRule[] = [
  baseImageUntagged,
  baseImageLatest,
  updateWithoutInstall,
  aptNoInstallRecommends,
  packageCacheNotCleaned,
  addLocalFile,
  addUrlOrArchive,
  userMissing,
  userRoot,
  cmdShellForm,
  consecutiveRun,
  buildToolsInFinalStage,
  healthcheckMissing,
  sudoInRun,
  cdInRun,
  workdirRelative,
  maintainerDeprecated,
  copyFromUnknownStage,
  secretInEnvArg,
  curlPipeShell,
];

export const RULE_IDS: readonly string[] = ALL_RULES.map((r) => r.id);
