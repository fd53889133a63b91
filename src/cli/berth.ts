import { Command } from 'commander';
import { registerAnalyzeCommand } from './analyze.command.ts';
import { registerLintCommand } from './lint.command.ts';
import { registerManagementCommands } from './management-commands.ts';
import { registerRegistryCommands } from './registry-commands.ts';
import { registerServeCommand } from './serve.command.ts';
import { registerStorageCommands } from './storage.command.ts';
import { registerScanCommand } from './scan.command.ts';
import { registerScansCommands } from './scans.command.ts';
import { registerVulndbCommands } from './vulndb.command.ts';
import { registerRollbackCommand } from './rollback.command.ts';
import { registerTagCommands } from './tag.command.ts';
import { registerTagRuleCommands } from './tag-rules.command.ts';
import { registerGcCommand } from './gc.command.ts';
import { registerRetentionCommands } from './retention.command.ts';
import { registerKeygenCommand } from './keygen.command.ts';
import { registerSignCommand } from './sign.command.ts';
import { registerVerifyCommand } from './verify.command.ts';
import { registerAttestCommands } from './attest.command.ts';
import { registerTrustCommands } from './trust.command.ts';
import { registerPromoteCommands } from './promote.command.ts';
import { registerReleaseNotesCommands } from './release-notes.command.ts';

const program = new Command()
  .name('berth')
  .description('Berth: a self-hosted container image management platform (OCI Distribution 1.1 registry)')
  .version('0.1.0')
  .showHelpAfterError();

registerServeCommand(program);
registerRegistryCommands(program);
registerAnalyzeCommand(program);
registerKeygenCommand(program);
registerSignCommand(program);
registerVerifyCommand(program);
registerAttestCommands(program);
registerTrustCommands(program);
registerLintCommand(program);
registerManagementCommands(program);
registerStorageCommands(program);
registerVulndbCommands(program);
registerScanCommand(program);
registerScansCommands(program);
registerTagCommands(program);
registerRollbackCommand(program);
registerTagRuleCommands(program);
registerGcCommand(program);
registerRetentionCommands(program);
registerPromoteCommands(program);
registerReleaseNotesCommands(program);

await program.parseAsync(process.argv);
