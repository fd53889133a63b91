import { pathInProject, projectOf } from '../auth/policy.ts';
import type { ProductionFlags, TagRuleRecord, TagRuleRepo } from '../meta/tag-rule.repo.ts';
import type { RepoName } from '../oci/names.ts';
import type { TagChange, TagGuard } from './tag-change.ts';
import { DEFAULT_CHANNELS } from './tag-kind.ts';
import { evaluateTagChange, hasAnyRule, NO_RULES, type ImmutableRule, type NamingForm, type NamingRule, type ProjectTagRules, type RuleMode } from './tag-rules.ts';

/** A stored rule as the evaluation sees it (the spec JSON was validated when the rule was added). */
export function ruleOf(record: TagRuleRecord): NamingRule | ImmutableRule {
  const base = { id: record.id, name: record.name, repositories: record.repositoryPattern };
  const spec = record.spec;
  if (record.kind === 'immutable') return { ...base, tags: String(spec.tags) };
  return {
    ...base,
    mode: spec.mode === 'warn' ? 'warn' : ('enforce' as RuleMode),
    conventions: spec.conventions !== false,
    maxLength: typeof spec.maxLength === 'number' ? spec.maxLength : 64,
    forms: Array.isArray(spec.forms) ? (spec.forms as NamingForm[]) : [],
    pattern: typeof spec.pattern === 'string' ? spec.pattern : null,
  };
}

/** Every project's rules, grouped. */
function groupRules(records: readonly TagRuleRecord[], production: ReadonlyArray<{ project: string } & ProductionFlags>): Map<string, ProjectTagRules> {
  const byProject = new Map<string, ProjectTagRules>();
  const entry = (project: string): ProjectTagRules => {
    let rules = byProject.get(project);
    if (!rules) {
      rules = { naming: [], immutable: [], production: NO_RULES.production };
      byProject.set(project, rules);
    }
    return rules;
  };
  for (const record of records) {
    const rule = ruleOf(record);
    if (record.kind === 'immutable') entry(record.project).immutable.push(rule as ImmutableRule);
    else entry(record.project).naming.push(rule as NamingRule);
  }
  for (const { project, isProduction, refuseLatestPull } of production) entry(project).production = { isProduction, refuseLatestPull };
  return byProject;
}

/** How long a loaded rule set is trusted before it is read again (other Berth instances may have changed it). */
export const DEFAULT_RULES_REFRESH_MS = 30_000;

/**
 * The TagGuard over the stored rules. Hot path: every project's rules are held in memory (rules are few), read
 * once and again only after `invalidate()` (this instance changed them) or `refreshMs` (another instance may
 * have), so a push into a project without rules costs no query. Safe concurrently: one load at a time.
 */
export class TagRuleGuard implements TagGuard {
  private snapshot: { rules: Map<string, ProjectTagRules>; loadedAt: number } | undefined;
  private loading: { generation: number; promise: Promise<Map<string, ProjectTagRules>> } | undefined;
  private generation = 0;

  constructor(
    private readonly deps: {
      rules: Pick<TagRuleRepo, 'listAll' | 'productionAll'>;
      channels: readonly string[];
      now: () => number;
      refreshMs?: number;
    },
  ) {}

  get channels(): readonly string[] {
    return this.deps.channels;
  }

  /** Drops the cached rules: the next check reads them again. Call after any change. Never throws. */
  invalidate(): void {
    this.snapshot = undefined;
    this.generation++;
  }

  /** The rules of `project` (no rules: NO_RULES). Throws only when the store fails. */
  async rulesFor(project: string): Promise<ProjectTagRules> {
    return (await this.all()).get(project) ?? NO_RULES;
  }

  /**
   * The rules of `project` if they are in memory now, without I/O; undefined when not loaded yet (the caller
   * should then assume rules may exist). Starts a load in the background so the next answer is known.
   */
  rulesInMemory(project: string): ProjectTagRules | undefined {
    if (!this.isFresh()) {
      this.all().catch(() => undefined);
      return undefined;
    }
    return this.snapshot!.rules.get(project) ?? NO_RULES;
  }

  /** Whether any rule could concern a change in `repo`: callers skip looking up the tag's current digest if not. */
  async isGuarded(repo: RepoName): Promise<boolean> {
    return hasAnyRule(await this.rulesFor(projectOf(repo)));
  }

  async check(change: TagChange): Promise<{ warnings: string[] }> {
    const project = projectOf(change.repo);
    const rules = await this.rulesFor(project);
    if (!hasAnyRule(rules)) return { warnings: [] };
    const verdict = evaluateTagChange(
      rules,
      {
        project,
        repoPath: pathInProject(change.repo),
        tag: change.tag,
        ...(change.from !== undefined ? { from: change.from } : {}),
        ...(change.to !== undefined ? { to: change.to } : {}),
        how: change.how,
      },
      this.deps.channels,
    );
    if (verdict.refusal) throw verdict.refusal;
    return { warnings: verdict.warnings };
  }

  private isFresh(): boolean {
    return this.snapshot !== undefined && this.deps.now() - this.snapshot.loadedAt < (this.deps.refreshMs ?? DEFAULT_RULES_REFRESH_MS);
  }

  private async all(): Promise<Map<string, ProjectTagRules>> {
    if (this.isFresh()) return this.snapshot!.rules;
    // A load that started before the last invalidation may miss that change: start another.
    if (this.loading?.generation !== this.generation) {
      const generation = this.generation;
      const promise = (async () => {
        const loadedAt = this.deps.now();
        const [records, production] = await Promise.all([this.deps.rules.listAll(), this.deps.rules.productionAll()]);
        const rules = groupRules(records, production);
        if (generation === this.generation) this.snapshot = { rules, loadedAt };
        return rules;
      })();
      this.loading = { generation, promise };
      promise.finally(() => {
        if (this.loading?.promise === promise) this.loading = undefined;
      }).catch(() => undefined);
    }
    return this.loading!.promise;
  }
}

/**
 * The guard every tag-moving path uses (push, delete, promotion, rollback, restore, retention): build one in the
 * composition root and share it, so one invalidation reaches every path.
 */
export function createTagGuard(deps: { tagRules: Pick<TagRuleRepo, 'listAll' | 'productionAll'>; channels?: readonly string[]; now?: () => number; refreshMs?: number }): TagRuleGuard {
  return new TagRuleGuard({
    rules: deps.tagRules,
    channels: deps.channels ?? DEFAULT_CHANNELS,
    now: deps.now ?? Date.now,
    ...(deps.refreshMs !== undefined ? { refreshMs: deps.refreshMs } : {}),
  });
}
