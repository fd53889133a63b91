import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { DEFAULT_CHANNELS } from './tag-kind.ts';
import { conventionProblem, evaluateTagChange, isToolTag, NO_RULES, tagGlob, type ImmutableRule, type NamingRule, type ProjectTagRules, type RuledChange } from './tag-rules.ts';

const naming = (over: Partial<NamingRule> = {}): NamingRule => ({
  id: 'n1', name: 'release-names', repositories: '**', mode: 'enforce', conventions: true, maxLength: 64, forms: [], pattern: null, ...over,
});
const immutable = (over: Partial<ImmutableRule> = {}): ImmutableRule => ({ id: 'i1', name: 'frozen-releases', repositories: '**', tags: 'v*', ...over });
const rules = (over: Partial<ProjectTagRules> = {}): ProjectTagRules => ({ ...NO_RULES, ...over });
const push = (tag: string, over: Partial<RuledChange> = {}): RuledChange => ({ project: 'acme', repoPath: 'api', tag, to: 'sha256:b', how: 'push', ...over });
const check = (r: ProjectTagRules, c: RuledChange) => evaluateTagChange(r, c, DEFAULT_CHANNELS);

function refused(r: ProjectTagRules, c: RuledChange, code: 'DENIED' | 'TAG_INVALID', pattern: RegExp): void {
  const { refusal } = check(r, c);
  assert.ok(refusal && isBerthError(refusal, code), `expected ${code}, got ${refusal?.code ?? 'allowed'}`);
  assert.match(refusal.message, pattern);
}

describe('tag globs and conventions', () => {
  it('globs match whole tags with * and ?', () => {
    assert.ok(tagGlob('v*').test('v1.2.3'));
    assert.ok(!tagGlob('v*').test('1.2.3'));
    assert.ok(tagGlob('1.?.0').test('1.2.0'));
    assert.ok(!tagGlob('1.?.0').test('1.22.0'));
    assert.ok(!tagGlob('1.2').test('1x2'), 'a dot is literal');
    assert.ok(tagGlob('*').test('anything'));
    assert.throws(() => tagGlob('a/b'), (e) => isBerthError(e, 'BAD_REQUEST'));
    assert.throws(() => tagGlob(''), (e) => isBerthError(e, 'BAD_REQUEST'));
  });

  it('conventions: short, lowercase, hyphens, nothing special', () => {
    assert.equal(conventionProblem('release-1.2.3', 64), undefined);
    assert.equal(conventionProblem('v1.2.3-rc.1', 64), undefined);
    assert.equal(conventionProblem('Release', 64), 'not lowercase');
    assert.equal(conventionProblem('my_tag', 64), 'has an underscore (use hyphens)');
    assert.match(conventionProblem('a--b', 64)!, /single hyphens/);
    assert.match(conventionProblem('-a', 64)!, /single hyphens/);
    assert.match(conventionProblem('a-', 64)!, /single hyphens/);
    assert.equal(conventionProblem('abcdefghijk', 10), 'longer than 10 characters');
  });

  it('tool-managed signature and referrer tags are recognized', () => {
    const hex = 'a'.repeat(64);
    assert.ok(isToolTag(`sha256-${hex}`));
    assert.ok(isToolTag(`sha256-${hex}.sig`));
    assert.ok(!isToolTag(`sha256-${hex}.foo`));
    assert.ok(!isToolTag('sha256-abc'));
  });
});

describe('evaluateTagChange', () => {
  it('no rules: everything is allowed without warnings', () => {
    assert.deepEqual(check(NO_RULES, push('Whatever_Tag', { from: 'sha256:a' })), { warnings: [] });
    assert.deepEqual(check(NO_RULES, push('latest', { to: undefined, from: 'sha256:a', how: 'delete' })), { warnings: [] });
  });

  it('an immutable tag may be created and re-pushed with the same digest, never moved or deleted', () => {
    const r = rules({ immutable: [immutable()] });
    assert.equal(check(r, push('v1.0.0')).refusal, undefined, 'creating it');
    assert.equal(check(r, push('v1.0.0', { from: 'sha256:b' })).refusal, undefined, 'same digest again');
    refused(r, push('v1.0.0', { from: 'sha256:a' }), 'DENIED', /acme\/api:v1\.0\.0 is immutable \(rule "frozen-releases": tags v\* in \*\*\) and cannot be moved/);
    refused(r, push('v1.0.0', { from: 'sha256:a', to: undefined, how: 'delete' }), 'DENIED', /rule "frozen-releases".*cannot be deleted/);
    refused(r, push('v1.0.0', { from: 'sha256:a', to: undefined, how: 'retention' }), 'DENIED', /frozen-releases/);
    refused(r, push('v1.0.0', { from: 'sha256:a', how: 'rollback' }), 'DENIED', /frozen-releases/);
    assert.equal(check(r, push('dev', { from: 'sha256:a' })).refusal, undefined, 'other tags move freely');
  });

  it('immutable rules are scoped by repository pattern and skip tool-managed tags', () => {
    const r = rules({ immutable: [immutable({ repositories: 'web/*', tags: '*' })] });
    assert.equal(check(r, push('x', { from: 'sha256:a' })).refusal, undefined, 'acme/api is outside web/*');
    refused(r, push('x', { repoPath: 'web/front', from: 'sha256:a' }), 'DENIED', /acme\/web\/front:x/);
    assert.equal(check(r, push(`sha256-${'c'.repeat(64)}.sig`, { repoPath: 'web/front', from: 'sha256:a' })).refusal, undefined);
    const top = rules({ immutable: [immutable({ repositories: '**', tags: '*' })] });
    refused(top, push('x', { repoPath: '', from: 'sha256:a' }), 'DENIED', /tag acme:x is immutable/);
  });

  it('production refuses pointing latest anywhere, but not deleting it', () => {
    const r = rules({ production: { isProduction: true, refuseLatestPull: false } });
    refused(r, push('latest'), 'DENIED', /project acme is marked production \(rule "production"\)/);
    refused(r, push('latest', { how: 'promotion' }), 'DENIED', /production/);
    assert.equal(check(r, push('latest', { from: 'sha256:a', to: undefined, how: 'delete' })).refusal, undefined);
    assert.equal(check(r, push('1.0.0')).refusal, undefined);
  });

  it('naming rules: enforce refuses with TAG_INVALID naming the rule; warn returns warnings', () => {
    const enforce = rules({ naming: [naming({ forms: ['semver', 'git-sha'] })] });
    refused(enforce, push('Feature_X'), 'TAG_INVALID', /tag "Feature_X" breaks naming rule "release-names": not lowercase/);
    refused(enforce, push('feature-x'), 'TAG_INVALID', /none of the allowed forms; allowed: semver, git-sha/);
    refused(enforce, push('dev'), 'TAG_INVALID', /a channel tag; allowed: semver, git-sha/);
    assert.deepEqual(check(enforce, push('v1.2.3')), { warnings: [] });
    assert.deepEqual(check(enforce, push('abc1234')), { warnings: [] });
    assert.deepEqual(check(enforce, push('Feature_X', { from: 'sha256:a', to: undefined, how: 'delete' })), { warnings: [] }, 'deletes are never refused for a name');

    const warn = rules({ naming: [naming({ name: 'style', mode: 'warn', forms: ['channel'] })] });
    const verdict = check(warn, push('nightly'));
    assert.equal(verdict.refusal, undefined);
    assert.deepEqual(verdict.warnings, ['tag "nightly" breaks naming rule "style": it is none of the allowed forms; allowed: channel']);
  });

  it('a pattern is a form; conventions can be off; rules apply only to their repositories', () => {
    const r = rules({ naming: [naming({ conventions: false, forms: ['semver', 'pattern'], pattern: 'build-*', repositories: 'api' })] });
    assert.equal(check(r, push('build-42')).refusal, undefined);
    assert.equal(check(r, push('BUILD-42', { repoPath: 'web' })).refusal, undefined, 'rule is for acme/api only');
    refused(r, push('nightly'), 'TAG_INVALID', /allowed: semver, pattern build-\*/);
  });

  it('precedence: immutable before production before naming; warnings gather before an enforced refusal', () => {
    const r = rules({
      immutable: [immutable({ tags: 'latest' })],
      production: { isProduction: true, refuseLatestPull: true },
      naming: [naming({ name: 'w', mode: 'warn', forms: ['semver'] }), naming({ name: 'e', forms: ['semver'] })],
    });
    refused(r, push('latest', { from: 'sha256:a' }), 'DENIED', /immutable/);
    refused(r, push('latest'), 'DENIED', /production/);
    const verdict = check(r, push('nightly'));
    assert.ok(verdict.refusal && isBerthError(verdict.refusal, 'TAG_INVALID'));
    assert.match(verdict.refusal.message, /naming rule "e"/);
    assert.deepEqual(verdict.warnings, ['tag "nightly" breaks naming rule "w": it is none of the allowed forms; allowed: semver']);
  });

  it('tool-managed tags are exempt from naming rules', () => {
    const r = rules({ naming: [naming({ forms: ['semver'] })] });
    assert.deepEqual(check(r, push(`sha256-${'d'.repeat(64)}`)), { warnings: [] });
  });
});
