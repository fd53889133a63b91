import { projectOf } from '../auth/policy.ts';
import type { PullCandidate, PullFinding, PullPolicy } from '../registry/pull-policy.ts';
import type { TagRuleGuard } from './tag-guard.ts';

/**
 * Production protection on pulls: a project marked production with `refuseLatestPull` refuses pulling by the
 * tag `latest` (digest pulls, and every other tag, are untouched). Answers from the tag guard's in-memory rules.
 */
export class ProductionPullPolicy implements PullPolicy {
  readonly name = 'production';

  constructor(private readonly guard: Pick<TagRuleGuard, 'rulesFor' | 'rulesInMemory'>) {}

  /** From memory; true while the rules are not loaded yet (evaluate then reads them). */
  isConfigured(project: string): boolean {
    const rules = this.guard.rulesInMemory(project);
    return rules === undefined || (rules.production.isProduction && rules.production.refuseLatestPull);
  }

  async evaluate(candidate: PullCandidate): Promise<PullFinding[]> {
    if (candidate.tag !== 'latest') return [];
    const project = projectOf(candidate.repo);
    const { production } = await this.guard.rulesFor(project);
    if (!production.isProduction || !production.refuseLatestPull) return [];
    return [{ policy: this.name, mode: 'enforce', reason: `project ${project} is marked production: pulling "latest" is refused, pull a version tag or a digest` }];
  }
}
