import type { Command } from 'commander';
import type { IpRuleView as IpRule } from '../identity/ip-rule.service.ts';
import { parseCidr } from '../auth/ip-rules.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg, shortTime } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';
import { parseRobotRef } from './robot-ref.ts';

interface ScopeOptions extends ConnectionOptions {
  project?: string;
  robot?: string;
  allow?: string;
  deny?: string;
}

/** The rule list the options name: a project's (--project), a robot's (--robot), else the system's. */
function scopeOf(opts: ScopeOptions): { path: string; label: string } {
  if (opts.robot !== undefined) {
    // --project with --robot names the robot's project (a short robot name), not the project's rules.
    const ref = parseRobotRef(opts.robot, opts.project);
    return { path: `/robots/${seg(ref.fullName)}/ip-rules`, label: `robot ${ref.fullName}` };
  }
  if (opts.project !== undefined) {
    const project = parseProject(opts.project);
    return { path: `/projects/${seg(project)}/ip-rules`, label: `project ${project}` };
  }
  return { path: '/ip-rules', label: 'system' };
}

const SCOPE_HELP = `Rules apply at three levels: system-wide (the default; admins), a project (--project; its owners) and a
robot (--robot ROBOT, a full name or a short name with --project). Deny wins; a non-empty allow list means
"only these addresses".`;

export function registerIpRuleCommands(program: Command): void {
  const ipRule = commandGroup(program, 'ip-rule', 'manage IP allow/deny rules (CIDR, IPv4 and IPv6)');
  const scoped = (cmd: Command) =>
    cmd.option('-p, --project <project>', 'the rules of this project').option('--robot <robot>', 'the rules of this robot');

  scoped(apiCommand(ipRule, 'list', 'list the IP rules of the system, a project or a robot', `
${SCOPE_HELP}
--json prints {"scope": "system"|"project NAME"|"robot NAME", "rules": [{id, effect, cidr, createdAt}, ...]}.
Examples:
  berth ip-rule list
  berth ip-rule list --project app`)).action(
    apiAction(async (ctx, api, opts: ScopeOptions) => {
      const scope = scopeOf(opts);
      const rules = await (await api()).all<IpRule>(scope.path, `${scope.label} IP rules`);
      emit(ctx.isJson, { scope: scope.label, rules }, () => formatTable([['ID', 'EFFECT', 'CIDR', 'CREATED'], ...rules.map((r) => [r.id, r.effect, r.cidr, shortTime(r.createdAt)])]));
    }),
  );

  scoped(apiCommand(ipRule, 'add', 'add an allow or deny rule', `
${SCOPE_HELP}
Give exactly one of --allow CIDR or --deny CIDR (a bare address is a single host).
--json prints the new rule {id, effect, cidr, createdAt}.
Examples:
  berth ip-rule add --deny 203.0.113.0/24
  berth ip-rule add --project app --allow 10.0.0.0/8
  berth ip-rule add --robot ci --project app --allow 2001:db8::/32`))
    .option('--allow <cidr>', 'allow this range')
    .option('--deny <cidr>', 'deny this range')
    .action(
      apiAction(async (ctx, api, opts: ScopeOptions) => {
        if ((opts.allow === undefined) === (opts.deny === undefined)) throw new CliError('give exactly one of --allow CIDR or --deny CIDR', EXIT.CONFIG);
        const effect = opts.allow !== undefined ? 'allow' : 'deny';
        const cidr = parseCidr((opts.allow ?? opts.deny)!).source;
        const scope = scopeOf(opts);
        const rule = await (await api()).request<IpRule>('POST', scope.path, `add ${scope.label} IP rule`, { body: { effect, cidr } });
        emit(ctx.isJson, rule, () => `Added ${scope.label} rule ${rule.id}: ${rule.effect} ${rule.cidr}`);
      }),
    );

  scoped(apiCommand(ipRule, 'remove', 'remove a rule by its id (see "berth ip-rule list")', `
${SCOPE_HELP}
--json prints {"scope": ..., "removed": ID}.
Example: berth ip-rule remove 3 --project app`))
    .argument('ID', 'the rule id')
    .action(
      apiAction(async (ctx, api, id: string, opts: ScopeOptions) => {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new CliError(`invalid rule id "${id.slice(0, 70)}"`, EXIT.CONFIG);
        const scope = scopeOf(opts);
        await (await api()).request('DELETE', `${scope.path}/${seg(id)}`, `remove ${scope.label} IP rule ${id}`);
        emit(ctx.isJson, { scope: scope.label, removed: id }, () => `Removed ${scope.label} rule ${id}`);
      }),
    );
}
