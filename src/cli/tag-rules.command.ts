import type { Command } from 'commander';
import { NAMING_FORMS } from '../versions/tag-rules.ts';
import type { ImmutableRuleView, NamingRuleView, TagRulesView } from '../versions/tag-rule.service.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg, yesNo } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

interface NamingOptions extends ConnectionOptions {
  repositories?: string;
  mode?: string;
  forms?: string;
  pattern?: string;
  conventions?: boolean;
  maxLength?: string;
}

interface ImmutableOptions extends ConnectionOptions {
  repositories?: string;
  tags?: string;
}

interface ProductionOptions extends ConnectionOptions {
  on?: boolean;
  off?: boolean;
  refuseLatestPull?: boolean;
}

const RULES_HELP = `Tag rules belong to a project. Naming rules (enforce: a push breaking one is refused with TAG_INVALID;
warn: it is accepted with a Warning header) and immutable rules (matching tags can never be moved to another
digest or deleted) are managed by maintainers and owners; removing an immutable rule and production
protection are for owners. Repository patterns are paths inside the project ("**", "api", "web/*"); tag
patterns are globs with * and ?.`;

const base = (project: string): string => `/projects/${seg(parseProject(project))}/tag-rules`;

function formatRules(view: TagRulesView): string {
  const p = view.production;
  const sections = [`Project ${view.project}: production ${p.isProduction ? `on${p.refuseLatestPull ? ' (pulling latest refused too)' : ''}` : 'off'}; channels ${view.channels.join(', ')}`];
  if (view.naming.length > 0) {
    sections.push(formatTable([
      ['NAMING RULE', 'ID', 'MODE', 'REPOSITORIES', 'CONVENTIONS', 'FORMS'],
      ...view.naming.map((r) => [r.name, r.id, r.mode, r.repositories, r.conventions ? `yes (max ${r.maxLength})` : 'no', r.forms.map((f) => (f === 'pattern' ? `pattern ${r.pattern}` : f)).join(', ') || 'any']),
    ]));
  }
  if (view.immutable.length > 0) {
    sections.push(formatTable([['IMMUTABLE RULE', 'ID', 'REPOSITORIES', 'TAGS'], ...view.immutable.map((r) => [r.name, r.id, r.repositories, r.tags])]));
  }
  return sections.join('\n\n');
}

function parseForms(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const forms = raw.split(',').map((f) => f.trim()).filter((f) => f !== '');
  const bad = forms.find((f) => !(NAMING_FORMS as readonly string[]).includes(f));
  if (bad !== undefined) throw new CliError(`invalid form "${bad.slice(0, 40)}": use ${NAMING_FORMS.join(', ')}`, EXIT.CONFIG);
  return forms;
}

export function registerTagRuleCommands(program: Command): void {
  const group = commandGroup(program, 'tag-rules', 'manage a project\'s tag rules: naming rules, immutable tags, production protection');

  apiCommand(group, 'list', 'show a project\'s tag rules', `
${RULES_HELP}
--json prints {project, channels, production: {isProduction, refuseLatestPull}, naming: [...], immutable: [...]}.
Example: berth tag-rules list acme`)
    .argument('PROJECT')
    .action(
      apiAction(async (ctx, api, project: string, _opts: ConnectionOptions) => {
        const view = await (await api()).request<TagRulesView>('GET', base(project), `tag rules of ${project}`);
        emit(ctx.isJson, view, () => formatRules(view));
      }),
    );

  apiCommand(group, 'add-naming', 'add a naming rule', `
${RULES_HELP}
A tag follows the conventions when it is lowercase letters and digits separated by single hyphens or dots,
at most --max-length characters (--no-conventions turns that off). --forms limits the tag to some forms:
${NAMING_FORMS.join(', ')} ("pattern" needs --pattern GLOB). Tools' own tags (sha256-<hex>.sig, ...) are exempt.
--json prints the new rule.
Examples:
  berth tag-rules add-naming acme release-names --forms semver,git-sha --repositories 'api/**'
  berth tag-rules add-naming acme style --mode warn
  berth tag-rules add-naming acme builds --forms semver,pattern --pattern 'build-*'`)
    .argument('PROJECT')
    .argument('NAME', 'the rule\'s name (refusals name it)')
    .option('--repositories <pattern>', 'repositories inside the project it applies to', '**')
    .option('--mode <mode>', 'enforce (refuse) or warn (accept with a warning)', 'enforce')
    .option('--forms <list>', 'comma-separated allowed forms (default: any form)')
    .option('--pattern <glob>', 'tag glob for the "pattern" form')
    .option('--no-conventions', 'do not require the naming conventions')
    .option('--max-length <n>', 'longest tag the conventions allow (1-128)', '64')
    .action(
      apiAction(async (ctx, api, project: string, name: string, opts: NamingOptions) => {
        if (opts.mode !== 'enforce' && opts.mode !== 'warn') throw new CliError(`invalid --mode "${String(opts.mode).slice(0, 40)}": use enforce or warn`, EXIT.CONFIG);
        const maxLength = Number(opts.maxLength);
        if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > 128) throw new CliError(`invalid --max-length "${opts.maxLength}": a whole number from 1 to 128`, EXIT.CONFIG);
        const forms = parseForms(opts.forms);
        const body = { name, repositories: opts.repositories, mode: opts.mode, conventions: opts.conventions !== false, maxLength, ...(forms ? { forms } : {}), ...(opts.pattern !== undefined ? { pattern: opts.pattern } : {}) };
        const rule = await (await api()).request<NamingRuleView>('POST', `${base(project)}/naming`, `add naming rule ${name}`, { body });
        emit(ctx.isJson, rule, () => `Added naming rule ${rule.name} (${rule.id}) to ${project}: ${rule.mode}`);
      }),
    );

  apiCommand(group, 'add-immutable', 'add an immutable tag rule', `
${RULES_HELP}
Matching tags may be pushed once (and again with the same digest) but never moved or deleted, by anyone,
including retention and rollback. Only a project owner can remove the rule; that is audited.
--json prints the new rule.
Example: berth tag-rules add-immutable acme releases --tags 'v*' --repositories '**'`)
    .argument('PROJECT')
    .argument('NAME', 'the rule\'s name (refusals name it)')
    .requiredOption('--tags <glob>', 'the tags it protects, e.g. "v*" or "1.*"')
    .option('--repositories <pattern>', 'repositories inside the project it applies to', '**')
    .action(
      apiAction(async (ctx, api, project: string, name: string, opts: ImmutableOptions) => {
        const rule = await (await api()).request<ImmutableRuleView>('POST', `${base(project)}/immutable`, `add immutable rule ${name}`, { body: { name, repositories: opts.repositories, tags: opts.tags } });
        emit(ctx.isJson, rule, () => `Added immutable rule ${rule.name} (${rule.id}) to ${project}: tags ${rule.tags} in ${rule.repositories}`);
      }),
    );

  apiCommand(group, 'remove', 'remove a naming or immutable rule by its name', `
${RULES_HELP}
--json prints {"project": PROJECT, "removed": NAME, "kind": "naming"|"immutable"}.
Example: berth tag-rules remove acme releases`)
    .argument('PROJECT')
    .argument('NAME')
    .action(
      apiAction(async (ctx, api, project: string, name: string, _opts: ConnectionOptions) => {
        const client = await api();
        const view = await client.request<TagRulesView>('GET', base(project), `tag rules of ${project}`);
        const naming = view.naming.find((r) => r.name === name);
        const immutable = view.immutable.find((r) => r.name === name);
        const rule = naming ?? immutable;
        if (!rule) throw new CliError(`project ${project} has no tag rule named "${name.slice(0, 80)}"`, EXIT.NOT_FOUND);
        const kind = naming ? 'naming' : 'immutable';
        await client.request('DELETE', `${base(project)}/${kind}/${seg(rule.id)}`, `remove ${kind} rule ${name}`);
        emit(ctx.isJson, { project, removed: name, kind }, () => `Removed ${kind} rule ${name} from ${project}`);
      }),
    );

  apiCommand(group, 'production', 'mark a project production (refuse pushing "latest"), or not', `
${RULES_HELP}
Give --on or --off. With --on --refuse-latest-pull, pulling by the tag "latest" is refused too (by digest and
by other tags still works).
--json prints {"isProduction": ..., "refuseLatestPull": ...}.
Examples:
  berth tag-rules production acme --on --refuse-latest-pull
  berth tag-rules production acme --off`)
    .argument('PROJECT')
    .option('--on', 'mark the project production')
    .option('--off', 'remove the mark')
    .option('--refuse-latest-pull', 'with --on: also refuse pulling "latest"')
    .action(
      apiAction(async (ctx, api, project: string, opts: ProductionOptions) => {
        if (opts.on === opts.off) throw new CliError('give exactly one of --on or --off', EXIT.CONFIG);
        if (opts.off && opts.refuseLatestPull) throw new CliError('--refuse-latest-pull needs --on', EXIT.CONFIG);
        const body = { isProduction: opts.on === true, refuseLatestPull: opts.refuseLatestPull === true };
        const flags = await (await api()).request<{ isProduction: boolean; refuseLatestPull: boolean }>('PUT', `${base(project)}/production`, `production protection of ${project}`, { body });
        emit(ctx.isJson, flags, () => `Project ${project}: production ${yesNo(flags.isProduction)}, pulling latest refused ${yesNo(flags.refuseLatestPull)}`);
      }),
    );
}
