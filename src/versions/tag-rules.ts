import { matchesRepoPattern, parseRepoPattern } from '../auth/repo-pattern.ts';
import { BerthError } from '../errors/berth-error.ts';
import { classifyTag, type TagKind } from './tag-kind.ts';
import type { TagChangeKind } from './tag-change.ts';

/**
 * A project's tag rules and their evaluation, as pure functions: naming rules, immutable tags and production
 * protection. The guard (tag-guard.ts) loads the rules and calls `evaluateTagChange`; nothing here does I/O.
 */

export type RuleMode = 'enforce' | 'warn';
export const NAMING_FORMS = ['semver', 'git-sha', 'channel', 'date', 'latest', 'pattern'] as const;
export type NamingForm = (typeof NAMING_FORMS)[number];

interface RuleBase {
  id: string;
  /** Unique in the project; refusals and warnings name it. */
  name: string;
  /** Repository pattern inside the project (repo-pattern.ts syntax: `**`, `api/*`, `web-*`). */
  repositories: string;
}

/**
 * A tag must follow the seed's conventions (when `conventions`: lowercase letters and digits separated by
 * single hyphens or dots, at most `maxLength` characters) and be one of `forms` (none: any form), where
 * `pattern` is a tag glob (see `tagGlob`) that counts as a form of its own.
 */
export interface NamingRule extends RuleBase {
  mode: RuleMode;
  conventions: boolean;
  maxLength: number;
  forms: NamingForm[];
  pattern: string | null;
}

/** Matching tags can never be moved to another digest or deleted, by anyone or anything (retention included). */
export interface ImmutableRule extends RuleBase {
  /** Tag glob. */
  tags: string;
}

/** A project marked production refuses pushing (and, with `refuseLatestPull`, pulling) `latest`. */
export interface ProductionSettings {
  isProduction: boolean;
  refuseLatestPull: boolean;
}

export interface ProjectTagRules {
  naming: NamingRule[];
  immutable: ImmutableRule[];
  production: ProductionSettings;
}

export const NO_RULES: ProjectTagRules = Object.freeze({
  naming: [],
  immutable: [],
  production: Object.freeze({ isProduction: false, refuseLatestPull: false }),
}) as ProjectTagRules;

export function hasAnyRule(rules: ProjectTagRules): boolean {
  return rules.naming.length > 0 || rules.immutable.length > 0 || rules.production.isProduction;
}

export const MAX_TAG_GLOB_LENGTH = 128;
const TAG_GLOB_RE = /^[A-Za-z0-9_.*?-]+$/;

/**
 * A tag glob: tag characters with `*` (any run, including none) and `?` (one character), matched against the
 * whole tag. Throws BAD_REQUEST for other characters. Pure.
 */
export function tagGlob(raw: string): RegExp {
  if (raw.length === 0 || raw.length > MAX_TAG_GLOB_LENGTH || !TAG_GLOB_RE.test(raw)) {
    throw new BerthError('BAD_REQUEST', { message: `invalid tag pattern "${raw.slice(0, 140)}": 1..${MAX_TAG_GLOB_LENGTH} of [A-Za-z0-9_.-] with * and ? wildcards`, detail: { pattern: raw.slice(0, 300) } });
  }
  return new RegExp(`^${raw.replace(/[.*?]/g, (ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : '\\.'))}$`);
}

/**
 * Tags that signing and referrer tools manage themselves (`sha256-<hex>` referrers fallback indexes and cosign's
 * `.sig`, `.att`, `.sbom`): naming and immutable rules do not apply, or they would break signing.
 */
export function isToolTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/.test(tag);
}

const CONVENTION_RE = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

/** Why `tag` breaks the conventions, or undefined when it follows them. */
export function conventionProblem(tag: string, maxLength: number): string | undefined {
  if (tag.length > maxLength) return `longer than ${maxLength} characters`;
  if (/[A-Z]/.test(tag)) return 'not lowercase';
  if (tag.includes('_')) return 'has an underscore (use hyphens)';
  if (!CONVENTION_RE.test(tag)) return 'must be lowercase letters and digits separated by single hyphens or dots';
  return undefined;
}

/** Why `tag` breaks `rule`, or undefined. Pure. */
export function namingProblem(rule: NamingRule, tag: string, kind: TagKind): string | undefined {
  if (rule.conventions) {
    const problem = conventionProblem(tag, rule.maxLength);
    if (problem) return problem;
  }
  if (rule.forms.length === 0) return undefined;
  const isForm = rule.forms.some((f) => (f === 'pattern' ? rule.pattern !== null && tagGlob(rule.pattern).test(tag) : f === kind));
  if (isForm) return undefined;
  const allowed = rule.forms.map((f) => (f === 'pattern' ? `pattern ${rule.pattern}` : f)).join(', ');
  return `it is ${kind === 'other' ? 'none of the allowed forms' : `a ${kind} tag`}; allowed: ${allowed}`;
}

export const appliesTo = (rule: RuleBase, repoPath: string): boolean => matchesRepoPattern(parseRepoPattern(rule.repositories), repoPath);

/** A tag change as the rules see it: the repository's path inside its project. */
export interface RuledChange {
  project: string;
  repoPath: string;
  tag: string;
  from?: string;
  to?: string;
  how: TagChangeKind;
}

export interface TagRuleVerdict {
  /** The first rule the change breaks (immutable, then production, then enforced naming), when any does. */
  refusal?: BerthError;
  /** Warn-mode naming findings, one sentence each naming its rule. */
  warnings: string[];
}

/**
 * Checks `change` against `rules`, in precedence order: an immutable tag is never moved or deleted (re-pointing
 * it at the digest it already has is no change); a production project never gets a new `latest`; then naming
 * rules for a tag being pointed somewhere (deletes are never refused for their name). Pure.
 */
export function evaluateTagChange(rules: ProjectTagRules, change: RuledChange, channels: readonly string[]): TagRuleVerdict {
  const { tag } = change;
  const repo = change.repoPath === '' ? change.project : `${change.project}/${change.repoPath}`;
  const isTool = isToolTag(tag);
  const moves = change.from !== undefined && change.to !== change.from;
  if (moves && !isTool) {
    const rule = rules.immutable.find((r) => appliesTo(r, change.repoPath) && tagGlob(r.tags).test(tag));
    if (rule) {
      const what = change.to === undefined ? 'deleted' : 'moved to another digest';
      return {
        refusal: new BerthError('DENIED', {
          message: `tag ${repo}:${tag} is immutable (rule "${rule.name}": tags ${rule.tags} in ${rule.repositories}) and cannot be ${what}`,
          detail: { rule: rule.name, ruleId: rule.id, tag, how: change.how },
        }),
        warnings: [],
      };
    }
  }
  if (change.to === undefined) return { warnings: [] };
  if (tag === 'latest' && rules.production.isProduction) {
    return {
      refusal: new BerthError('DENIED', {
        message: `project ${change.project} is marked production (rule "production"): the tag "latest" is refused, push a version tag instead`,
        detail: { rule: 'production', tag, how: change.how },
      }),
      warnings: [],
    };
  }
  if (isTool) return { warnings: [] };
  const kind = classifyTag(tag, channels);
  const warnings: string[] = [];
  for (const rule of rules.naming) {
    if (!appliesTo(rule, change.repoPath)) continue;
    const problem = namingProblem(rule, tag, kind);
    if (problem === undefined) continue;
    const message = `tag "${tag}" breaks naming rule "${rule.name}": ${problem}`;
    if (rule.mode === 'warn') {
      warnings.push(message);
      continue;
    }
    return { refusal: new BerthError('TAG_INVALID', { message, detail: { rule: rule.name, ruleId: rule.id, tag } }), warnings };
  }
  return { warnings };
}
