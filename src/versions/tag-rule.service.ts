import { z } from 'zod';
import { parseRepoPattern } from '../auth/repo-pattern.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from '../identity/identity-context.ts';
import { Name, parseInput, unknown } from '../identity/validate.ts';
import type { TagRuleKind, TagRuleRecord, TagRuleRepo } from '../meta/tag-rule.repo.ts';
import { ruleOf } from './tag-guard.ts';
import { NAMING_FORMS, tagGlob, type ImmutableRule, type NamingRule } from './tag-rules.ts';

const valid = (check: (raw: string) => unknown) => (raw: string) => {
  try {
    check(raw);
    return true;
  } catch {
    return false;
  }
};

const Repositories = z.string().max(255).refine(valid(parseRepoPattern), 'must be a repository pattern inside the project: "**", "api", "api/*", "web-*"').default('**');
const TagPattern = z.string().refine(valid(tagGlob), 'must be 1-128 of [A-Za-z0-9_.-] with * and ? wildcards');

export const AddNamingRuleBody = z
  .strictObject({
    name: Name,
    repositories: Repositories,
    mode: z.enum(['enforce', 'warn']).default('enforce'),
    conventions: z.boolean().default(true).describe('short, lowercase letters and digits, single hyphens or dots, no special characters'),
    maxLength: z.number().int().min(1).max(128).default(64),
    forms: z.array(z.enum(NAMING_FORMS)).max(NAMING_FORMS.length).default([]).describe('allowed forms; empty: any form'),
    pattern: TagPattern.optional().describe('tag glob for the "pattern" form'),
  })
  .refine((b) => b.forms.includes('pattern') === (b.pattern !== undefined), { path: ['pattern'], message: 'give a pattern exactly when forms include "pattern"' })
  .refine((b) => b.conventions || b.forms.length > 0, { path: ['forms'], message: 'a rule without conventions needs at least one form' });

export const AddImmutableRuleBody = z.strictObject({ name: Name, repositories: Repositories, tags: TagPattern });

export const ProductionBody = z.strictObject({
  isProduction: z.boolean(),
  refuseLatestPull: z.boolean().default(false).describe('also refuse pulling "latest" (needs isProduction)'),
});

const RuleMeta = { id: z.string(), name: z.string(), repositories: z.string(), createdBy: z.string(), createdAt: z.string() };
export const NamingRuleView = z.object({
  ...RuleMeta,
  mode: z.enum(['enforce', 'warn']),
  conventions: z.boolean(),
  maxLength: z.number(),
  forms: z.array(z.enum(NAMING_FORMS)),
  pattern: z.string().nullable(),
});
export const ImmutableRuleView = z.object({ ...RuleMeta, tags: z.string() });
export const ProductionView = z.object({ isProduction: z.boolean(), refuseLatestPull: z.boolean() });
export const TagRulesView = z.object({
  project: z.string(),
  channels: z.array(z.string()),
  production: ProductionView,
  naming: z.array(NamingRuleView),
  immutable: z.array(ImmutableRuleView),
});
export type NamingRuleView = z.infer<typeof NamingRuleView>;
export type ImmutableRuleView = z.infer<typeof ImmutableRuleView>;
export type TagRulesView = z.infer<typeof TagRulesView>;

function viewOf(record: TagRuleRecord): NamingRuleView | ImmutableRuleView {
  const { id: _id, name: _name, repositories: _r, ...rest } = ruleOf(record);
  return { id: record.id, name: record.name, repositories: record.repositoryPattern, createdBy: record.createdBy, createdAt: isoTime(record.createdAt), ...rest } as NamingRuleView | ImmutableRuleView;
}

/**
 * Managing a project's tag rules: naming rules, immutable tag rules and production protection. Every change is
 * audited (`tag-rule.add`, `tag-rule.remove`, `tag-rule.production`) and drops the guard's cached rules.
 * Who may call which method is the routes' business (manage-tag-rules; manage-settings to remove an immutable
 * rule or change production protection). Errors are BerthErrors.
 */
export class TagRuleService {
  constructor(private readonly deps: { rules: Pick<TagRuleRepo, 'add' | 'list' | 'remove' | 'production' | 'setProduction'>; channels: readonly string[]; fx: ChangeEffects }) {}

  async get(project: string): Promise<TagRulesView> {
    const [records, production] = await Promise.all([this.deps.rules.list(project), this.deps.rules.production(project)]);
    return {
      project,
      channels: [...this.deps.channels],
      production,
      naming: records.filter((r) => r.kind === 'naming').map(viewOf) as NamingRuleView[],
      immutable: records.filter((r) => r.kind === 'immutable').map(viewOf) as ImmutableRuleView[],
    };
  }

  /** Throws BAD_REQUEST for an invalid body, CONFLICT when the project has a rule of that name. */
  async addNaming(actor: Actor, project: string, raw: unknown): Promise<NamingRuleView> {
    const { name, repositories, ...spec } = parseInput(AddNamingRuleBody, raw);
    const stored: Omit<NamingRule, 'id' | 'name' | 'repositories'> = { ...spec, pattern: spec.pattern ?? null };
    return (await this.add(actor, project, 'naming', name, repositories, stored)) as NamingRuleView;
  }

  /** Throws BAD_REQUEST for an invalid body, CONFLICT when the project has a rule of that name. */
  async addImmutable(actor: Actor, project: string, raw: unknown): Promise<ImmutableRuleView> {
    const { name, repositories, tags } = parseInput(AddImmutableRuleBody, raw);
    const stored: Omit<ImmutableRule, 'id' | 'name' | 'repositories'> = { tags };
    return (await this.add(actor, project, 'immutable', name, repositories, stored)) as ImmutableRuleView;
  }

  /** Throws RESOURCE_UNKNOWN when `id` is not a `kind` rule of `project`. */
  async remove(actor: Actor, project: string, kind: TagRuleKind, id: string): Promise<void> {
    const removed = await this.deps.rules.remove(project, kind, id);
    if (!removed) throw unknown('tag-rule', id);
    afterChange(this.deps.fx, actor, { action: 'tag-rule.remove', project, detail: { kind, rule: removed.name, id, repositories: removed.repositoryPattern, ...removed.spec } });
  }

  async setProduction(actor: Actor, project: string, raw: unknown): Promise<z.infer<typeof ProductionView>> {
    const body = parseInput(ProductionBody, raw);
    const flags = { isProduction: body.isProduction, refuseLatestPull: body.isProduction && body.refuseLatestPull };
    await this.deps.rules.setProduction(project, flags);
    afterChange(this.deps.fx, actor, { action: 'tag-rule.production', project, detail: flags });
    return flags;
  }

  private async add(actor: Actor, project: string, kind: TagRuleKind, name: string, repositories: string, spec: Record<string, unknown>): Promise<NamingRuleView | ImmutableRuleView> {
    const record = await this.deps.rules.add({ project, kind, name, repositoryPattern: repositories, spec, createdBy: actor.name });
    afterChange(this.deps.fx, actor, { action: 'tag-rule.add', project, detail: { kind, rule: name, repositories, ...spec } });
    return viewOf(record);
  }
}
