import { parseRepoPattern } from '../auth/repo-pattern.ts';
import { parseName, parseProject } from './api-command.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';

/** A robot as the CLI names it: its full name and the project it belongs to (null for a system robot). */
export interface RobotRef {
  fullName: string;
  project: string | null;
}

/**
 * A robot from its full name (`robot$app+ci`, `robot$backup`) or a short name with --project (`ci` +
 * `--project app`) or without (a system robot). Throws CliError(CONFIG) for a malformed name or a --project
 * that contradicts the full name. Pure.
 */
export function parseRobotRef(raw: string, projectOption: string | undefined): RobotRef {
  const option = projectOption === undefined ? undefined : parseProject(projectOption);
  if (!raw.startsWith('robot$')) {
    const name = parseName('robot name', raw);
    return option === undefined ? { fullName: `robot$${name}`, project: null } : { fullName: `robot$${option}+${name}`, project: option };
  }
  const m = /^robot\$(?:([^+]*)\+)?(.*)$/.exec(raw)!;
  const project = m[1] === undefined ? null : parseProject(m[1]);
  parseName('robot name', m[2]!);
  if (option !== undefined && option !== project) throw new CliError(`${raw} is not a robot of project ${option}`, EXIT.CONFIG);
  return { fullName: raw, project };
}

/** One robot permission: `PATTERN:ACTION[,ACTION...]` (e.g. `app/**:pull,push`). Throws CliError(CONFIG). Pure. */
export function parsePermission(raw: string): { pattern: string; actions: string[] } {
  const at = raw.lastIndexOf(':');
  const actions = at < 0 ? [] : raw.slice(at + 1).split(',').map((a) => a.trim()).filter(Boolean);
  if (at <= 0 || actions.length === 0 || actions.some((a) => !/^[a-z-]+$/.test(a))) {
    throw new CliError(`invalid --permission "${raw.slice(0, 100)}": use PATTERN:ACTION[,ACTION...], e.g. 'app/**:pull,push'`, EXIT.CONFIG);
  }
  return { pattern: parseRepoPattern(raw.slice(0, at)).source, actions: [...new Set(actions)] };
}
