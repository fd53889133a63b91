import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRetention, RetentionPolicy, type RetentionTag } from './retention-rules.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;
const CLOCK = { now: NOW, historySince: NOW - 30 * DAY };
const OLD = NOW - 60 * DAY;

/** Tags of one repository, pushed one minute apart in the given order (the last is the most recent), long ago. */
function tags(names: string[], extra: Partial<Record<string, Partial<RetentionTag>>> = {}): RetentionTag[] {
  return names.map((tag, i) => ({ repository: 'acme/app', tag, digest: `sha256:${i}`, pushedAt: OLD + i * 60_000, ...extra[tag] }));
}

const policy = (raw: Record<string, unknown>) => RetentionPolicy.parse(raw);

/** tag -> reason ('DELETE' when deleted). */
function verdicts(list: RetentionTag[], raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(evaluateRetention(list, policy(raw), CLOCK).map((v) => [v.tag, v.keep ?? 'DELETE']));
}

describe('retention rules', () => {
  it('keeps the N most recently pushed tags', () => {
    assert.deepEqual(verdicts(tags(['a', 'b', 'c', 'd']), { keepMostRecent: 2 }), { a: 'DELETE', b: 'DELETE', c: 'most-recent', d: 'most-recent' });
  });

  it('keeps the N highest semantic versions, SemVer 2.0 order with or without v, pre-releases below releases', () => {
    const list = tags(['1.10.0', 'v1.9.0', '2.0.0-rc.1', '2.0.0', '1.2.3', 'latest', 'abc1234']);
    assert.deepEqual(verdicts(list, { keepHighestVersions: 3 }), {
      '1.10.0': 'highest-version', 'v1.9.0': 'DELETE', '2.0.0-rc.1': 'highest-version', '2.0.0': 'highest-version', '1.2.3': 'DELETE', latest: 'DELETE', abc1234: 'DELETE',
    });
  });

  it('keeps the last N patches of each minor', () => {
    const list = tags(['1.0.0', '1.0.1', '1.0.2', '1.1.0', '1.1.1', '2.0.0']);
    assert.deepEqual(verdicts(list, { keepPatchesPerMinor: 2 }), {
      '1.0.0': 'DELETE', '1.0.1': 'latest-patches', '1.0.2': 'latest-patches', '1.1.0': 'latest-patches', '1.1.1': 'latest-patches', '2.0.0': 'latest-patches',
    });
  });

  it('keeps tags matching a pattern', () => {
    assert.deepEqual(verdicts(tags(['release-1', 'release-2', 'dev-1', 'r?']), { keepPatterns: ['release-*', 'r?'] }), { 'release-1': 'pattern', 'release-2': 'pattern', 'dev-1': 'DELETE', 'r?': 'pattern' });
  });

  it('keeps what was pulled in the last N days', () => {
    const list = tags(['recent', 'stale', 'never'], { recent: { pulledAt: NOW - 2 * DAY }, stale: { pulledAt: NOW - 20 * DAY } });
    assert.deepEqual(verdicts(list, { keepPulledWithinDays: 7 }), { recent: 'pulled', stale: 'DELETE', never: 'DELETE' });
  });

  it('keeps immutable tags and tags that moved inside the history window, unless the window is not protected', () => {
    const list = tags(['frozen', 'fresh', 'old'], { frozen: { immutable: 'immutable rule "releases" protects acme/app:frozen' }, fresh: { pushedAt: NOW - DAY } });
    assert.deepEqual(verdicts(list, { keepMostRecent: 1 }), { frozen: 'immutable', fresh: 'history-window', old: 'DELETE' });
    assert.deepEqual(verdicts(list, { keepPatterns: ['none'], protectHistoryWindow: false }), { frozen: 'immutable', fresh: 'DELETE', old: 'DELETE' });
  });

  it('reports the first reason in the precedence order when several apply', () => {
    const list = tags(['1.0.0', '2.0.0'], { '2.0.0': { immutable: 'immutable', pulledAt: NOW, pushedAt: NOW - DAY } });
    const all = { keepMostRecent: 5, keepHighestVersions: 5, keepPatchesPerMinor: 5, keepPatterns: ['*'], keepPulledWithinDays: 1 };
    assert.deepEqual(verdicts(list, all), { '1.0.0': 'pattern', '2.0.0': 'immutable' });
    assert.deepEqual(verdicts(list, { ...all, keepPatterns: [] }), { '1.0.0': 'most-recent', '2.0.0': 'immutable' });
    assert.deepEqual(verdicts(list, { keepHighestVersions: 5, keepPatchesPerMinor: 5 }), { '1.0.0': 'highest-version', '2.0.0': 'immutable' });
  });

  it('counts rules per repository and never deletes under a policy without keep rules', () => {
    const list = [...tags(['a', 'b']), ...tags(['c', 'd']).map((t) => ({ ...t, repository: 'acme/other' }))];
    assert.deepEqual(verdicts(list, { keepMostRecent: 1 }), { a: 'DELETE', b: 'most-recent', c: 'DELETE', d: 'most-recent' });
    assert.deepEqual(verdicts(list, {}), { a: 'no-rules', b: 'no-rules', c: 'no-rules', d: 'no-rules' });
  });

  it('tools\' tags take no rank and follow their image: kept with it, deleted with its last tag', () => {
    const hex = (n: number) => String(n).repeat(64);
    // 1.0.0 is sha256:0, 2.0.0 sha256:1; their signatures and fallback index were pushed after them.
    const list = [...tags(['1.0.0', '2.0.0']).map((t, i) => ({ ...t, digest: `sha256:${hex(i)}` })),
      ...tags([`sha256-${hex(0)}.sig`, `sha256-${hex(1)}.sig`, `sha256-${hex(1)}`, `sha256-${hex(7)}.att`]).map((t) => ({ ...t, pushedAt: t.pushedAt + DAY }))];
    assert.deepEqual(verdicts(list, { keepMostRecent: 1 }), {
      '1.0.0': 'DELETE', '2.0.0': 'most-recent',
      [`sha256-${hex(0)}.sig`]: 'DELETE', [`sha256-${hex(1)}.sig`]: 'attachment', [`sha256-${hex(1)}`]: 'attachment', [`sha256-${hex(7)}.att`]: 'attachment',
    });
  });

  it('refuses malformed policies', () => {
    assert.throws(() => policy({ keepMostRecent: 0 }));
    assert.throws(() => policy({ keepPatterns: ['a/b'] }));
    assert.throws(() => policy({ keepEverything: true }));
  });
});
