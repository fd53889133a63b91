import type { Command } from 'commander';
import { registerCopyCommand } from './copy.command.ts';
import { registerDeleteCommand } from './delete.command.ts';
import { registerInspectCommand } from './inspect.command.ts';
import { registerLoginCommand } from './login.command.ts';
import { registerLogoutCommand } from './logout.command.ts';
import { registerReferrersCommand } from './referrers.command.ts';
import { registerReposCommand } from './repos.command.ts';
import { registerTagsCommand } from './tags.command.ts';

/** The client commands: they talk to a registry (Berth or another) over HTTP, like any user. */
export function registerRegistryCommands(program: Command): void {
  registerLoginCommand(program);
  registerLogoutCommand(program);
  registerReposCommand(program);
  registerTagsCommand(program);
  registerInspectCommand(program);
  registerDeleteCommand(program);
  registerCopyCommand(program);
  registerReferrersCommand(program);
}
