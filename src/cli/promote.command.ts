import type { Command } from 'commander';
import type { GateView } from '../versions/promotion-gates.service.ts';
import type { PromotionView } from '../versions/promotion.service.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg, yesNo } from './api-command.ts';
import type { ApiClient } from './api-client.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

interface PromoteOptions extends ConnectionOptions {
  to: string;
  dryRun?: boolean;
}

interface AddGateOptions extends ConnectionOptions {
  kind: string;
  repository?: string;
  tag?: string;
  hours?: string;
  principal?: string;
  param: string[];
}

const REFUSED = 'a gate did not pass or a tag rule refused the move (the results are printed; a dry run that would be refused too)';

function formatPromotion(v: PromotionView): string {
  const verb = v.dryRun ? (v.allowed ? 'Would promote' : 'Would NOT promote') : v.moved ? 'Promoted' : 'Already promoted';
  const lines = [`${verb} ${v.source.repository}@${v.source.digest} to ${v.target.repository}:${v.target.tag}${v.target.previous ? ` (was ${v.target.previous})` : ''}`];
  if (v.gates.length > 0) lines.push(formatTable([['GATE', 'KIND', 'PASSED', 'REASON'], ...v.gates.map((g) => [g.id, g.kind, yesNo(g.passed), g.reason])]));
  if (!v.tagRule.allowed) lines.push(`Tag rule: ${v.tagRule.reason}`);
  for (const w of v.tagRule.warnings) lines.push(`Warning: ${w}`);
  const c = v.copied;
  lines.push(`${v.dryRun ? 'Would link' : 'Linked'} ${c.manifests} manifest(s) and ${c.blobsLinked} blob(s) (no bytes copied), ${c.referrers.length} referrer(s)`);
  for (const k of c.conflicts) lines.push(`Kept the target's ${k.tag} (${k.kept}); the source's ${k.skipped} was not copied`);
  return lines.join('\n');
}

async function promote(api: ApiClient, source: string, to: string, dryRun: boolean): Promise<PromotionView> {
  return api.request<PromotionView>('POST', '/promotions', `promote ${source} to ${to}`, { body: { source, to, dryRun } });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `key=value` pairs; a value that reads as JSON (a number, true, a list) is taken as such. */
function parseParams(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid --param "${pair}": use key=value`, EXIT.CONFIG);
    const raw = pair.slice(eq + 1);
    try {
      out[pair.slice(0, eq)] = JSON.parse(raw);
    } catch {
      out[pair.slice(0, eq)] = raw;
    }
  }
  return out;
}

export function registerPromoteCommands(program: Command): void {
  apiCommand(program, 'promote', 'promote an image to a channel or another repository, by digest, with its signatures and other referrers', `
TARGET is a channel, i.e. a tag in the same repository (dev, test, staging, prod), or project/repo[:tag] (the
source's tag when omitted). Nothing is uploaded again: the manifests and blobs are linked into the target, and
the image's referrers travel with it (signatures, SBOMs, attestations, release notes; the sha256-<hex> fallback
index and cosign's .sig/.att/.sbom tags). You need pull on the source and push on the target. The target
project's promotion gates (berth promotion-gates) and tag rules must pass; --dry-run evaluates them and moves
nothing. The tag move is recorded in tag history as a promotion and audited.
--json prints {source, target: {repository, tag, previous}, dryRun, allowed, moved, gates: [{id, kind, repository,
tag, passed, reason}], tagRule: {allowed, reason, warnings}, copied: {manifests, blobsLinked, referrers, conflicts}},
also when a gate fails.
Examples:
  berth promote acme/api:1.4.0 --to prod
  berth promote acme/api:1.4.0 --to release/api:1.4.0 --dry-run --json`, undefined, { [EXIT.FAILURE]: REFUSED })
    .argument('IMAGE', 'project/repo:tag or project/repo@sha256:... on the server')
    .requiredOption('--to <TARGET>', 'a channel (prod) or project/repo[:tag]')
    .option('--dry-run', 'evaluate gates and tag rules, move nothing')
    .action(
      apiAction(async (ctx, api, source: string, opts: PromoteOptions) => {
        const client = await api();
        let view: PromotionView;
        try {
          view = await promote(client, source, opts.to, opts.dryRun === true);
        } catch (err) {
          if (!(err instanceof CliError && err.message.includes('(PROMOTION_GATE_FAILED)'))) throw err;
          // The refusal names the first failed gate; a dry run lists every result for the report.
          const report = await promote(client, source, opts.to, true);
          emit(ctx.isJson, report, () => formatPromotion(report));
          throw err;
        }
        emit(ctx.isJson, view, () => formatPromotion(view));
        if (!view.allowed) throw new CliError(`promotion of ${source} to ${opts.to} would be refused`, EXIT.FAILURE);
      }),
    );

  const gates = commandGroup(program, 'promotion-gates', 'conditions an image must meet before it is promoted into a project');
  apiCommand(gates, 'list', "list a project's promotion gates", `
--json prints {items: [{id, project, repository, tag, kind, params, createdBy, createdAt}]}.
Example: berth promotion-gates list acme`)
    .argument('PROJECT')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const project = parseProject(raw);
        const list = await (await api()).request<{ items: GateView[] }>('GET', `/projects/${seg(project)}/promotion-gates`, `promotion gates of ${project}`);
        emit(ctx.isJson, list, () => formatTable([['ID', 'REPOSITORY', 'TAG', 'KIND', 'PARAMS'], ...list.items.map((g) => [g.id, g.repository, g.tag, g.kind, JSON.stringify(g.params)])]));
      }),
    );
  apiCommand(gates, 'add', 'add a promotion gate (needs manage-settings on the project)', `
Kinds: min-age (--hours N: the image has been in the source repository N hours), pulled-by (--principal NAME:
a user or robot, e.g. the test environment, pulled it from the source), release-note (it carries release
notes), scan-clean (--param severity=low|medium|high|critical, default high: no finding at or above it;
--param unscanned=fail|scan: an unscanned image fails, with scan after queueing a scan for a retry),
signed-by (--param keys=a,b); others as the server lists them (GET /api/v1/promotion-gate-kinds), with
--param key=value.
The gate guards promotions whose target is in PROJECT, matches --repository (a path inside the project, ** by
default) and --tag (a tag glob, * by default).
--json prints the gate: {id, project, repository, tag, kind, params, createdBy, createdAt}.
Example: berth promotion-gates add acme --kind min-age --hours 24 --tag prod`)
    .argument('PROJECT')
    .requiredOption('--kind <KIND>', 'min-age, pulled-by, release-note, ...')
    .option('--repository <PATTERN>', 'repositories inside the project the gate guards (default **)')
    .option('--tag <PATTERN>', 'target tags or channels it guards (default *)')
    .option('--hours <N>', 'min-age: hours')
    .option('--principal <NAME>', 'pulled-by: user or robot name')
    .option('--param <key=value>', 'another parameter (repeatable)', collect, [])
    .action(
      apiAction(async (ctx, api, raw: string, opts: AddGateOptions) => {
        const project = parseProject(raw);
        const params = parseParams(opts.param);
        if (opts.hours !== undefined) {
          const hours = Number(opts.hours);
          if (!(hours > 0)) throw new CliError(`invalid --hours "${opts.hours}": must be a positive number`, EXIT.CONFIG);
          params.hours = hours;
        }
        if (opts.principal !== undefined) params.principal = opts.principal;
        const body = { kind: opts.kind, params, ...(opts.repository ? { repository: opts.repository } : {}), ...(opts.tag ? { tag: opts.tag } : {}) };
        const gate = await (await api()).request<GateView>('POST', `/projects/${seg(project)}/promotion-gates`, `add a promotion gate to ${project}`, { body });
        emit(ctx.isJson, gate, () => `Added promotion gate ${gate.id} (${gate.kind}) for ${project}/${gate.repository}:${gate.tag}`);
      }),
    );
  apiCommand(gates, 'remove', 'remove a promotion gate', `
--json prints {removed: ID}.
Example: berth promotion-gates remove acme 0190f...`)
    .argument('PROJECT')
    .argument('ID')
    .action(
      apiAction(async (ctx, api, raw: string, id: string, _opts: ConnectionOptions) => {
        const project = parseProject(raw);
        await (await api()).request('DELETE', `/projects/${seg(project)}/promotion-gates/${seg(id)}`, `remove promotion gate ${id}`);
        emit(ctx.isJson, { removed: id }, () => `Removed promotion gate ${id}`);
      }),
    );
}
