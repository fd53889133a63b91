import type { Command } from 'commander';
import { registerAlertCommands } from './alert.command.ts';
import { registerAuditCommands } from './audit.command.ts';
import { registerIpRuleCommands } from './ip-rule.command.ts';
import { registerProjectCommands } from './project.command.ts';
import { registerRobotCommands } from './robot.command.ts';
import { registerTeamCommands } from './team.command.ts';
import { registerUserCommands } from './user.command.ts';
import { registerWhoamiCommand } from './whoami.command.ts';

/** The management commands: they talk to a Berth server's REST API (/api/v1), like the web UI does. */
export function registerManagementCommands(program: Command): void {
  registerWhoamiCommand(program);
  registerUserCommands(program);
  registerTeamCommands(program);
  registerProjectCommands(program);
  registerRobotCommands(program);
  registerIpRuleCommands(program);
  registerAuditCommands(program);
  registerAlertCommands(program);
}
