import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import { isBerthError } from '../errors/berth-error.ts';
import type { MetaStore } from '../meta/meta-store.ts';
import type { TagRuleRepo } from '../meta/tag-rule.repo.ts';
import { digestOf } from '../oci/digest.ts';
import { parseRepoName, parseTag } from '../oci/names.ts';
import type { PullCandidate } from '../registry/pull-policy.ts';
import { ProductionPullPolicy } from './production-pull.policy.ts';
import { createTagGuard } from './tag-guard.ts';

const A = digestOf(Buffer.from('a'));
const B = digestOf(Buffer.from('b'));
const repo = parseRepoName('acme/api');
const push = (tag: string, from?: typeof A) => ({ repo, tag: parseTag(tag), ...(from ? { from } : {}), to: B, how: 'push' as const, actor: 'alice' });
const candidate = (tag?: string): PullCandidate => ({ repo, digest: A, mediaType: 'application/vnd.oci.image.manifest.v1+json', content: Buffer.from('{}'), ...(tag ? { tag: parseTag(tag) } : {}) });

describe('TagRuleGuard over a real SQLite store', () => {
  const stores = sqliteStores('berth-tag-guard-');
  let store: MetaStore;
  let reads = 0;
  let clock = 1_000;
  /** The real repository, counting the reads the guard makes. */
  let counted: Pick<TagRuleRepo, 'listAll' | 'productionAll'>;

  before(async () => {
    store = await (await (await stores).make()).open();
    await store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
    await store.projects.create({ name: 'other', isPublic: false, createdBy: null });
    counted = {
      listAll: () => (reads++, store.tagRules.listAll()),
      productionAll: () => store.tagRules.productionAll(),
    };
  });
  after(() => store?.close());

  it('answers from memory until invalidated or stale; reads everything once per refresh', async () => {
    const guard = createTagGuard({ tagRules: counted, now: () => clock, refreshMs: 30_000 });
    reads = 0;
    assert.deepEqual(await guard.check(push('Anything_Goes', A)), { warnings: [] });
    assert.equal(await guard.isGuarded(repo), false);
    for (let i = 0; i < 20; i++) await guard.check(push(`t${i}`));
    assert.equal(reads, 1, 'one read serves every later check');

    await store.tagRules.add({ project: 'acme', kind: 'immutable', name: 'frozen', repositoryPattern: '**', spec: { tags: 'v*' }, createdBy: 'alice' });
    assert.deepEqual(await guard.check(push('v1', A)), { warnings: [] }, 'not seen before invalidation or refresh');
    guard.invalidate();
    await assert.rejects(guard.check(push('v1', A)), (e) => isBerthError(e, 'DENIED') && /rule "frozen"/.test(e.message));
    assert.equal(await guard.isGuarded(repo), true);
    assert.equal(await guard.isGuarded(parseRepoName('other/x')), false);
    assert.equal(reads, 2);

    await store.tagRules.add({ project: 'acme', kind: 'naming', name: 'style', repositoryPattern: '**', spec: { mode: 'warn', conventions: true, maxLength: 64, forms: [], pattern: null }, createdBy: 'alice' });
    clock += 30_001;
    assert.deepEqual(await guard.check(push('Bad_Name')), { warnings: ['tag "Bad_Name" breaks naming rule "style": not lowercase'] }, 'a stale snapshot is read again');
    assert.equal(reads, 3);
  });

  it('concurrent first checks share one read', async () => {
    const guard = createTagGuard({ tagRules: counted, now: () => clock });
    reads = 0;
    await Promise.all(Array.from({ length: 10 }, (_, i) => guard.check(push(`c${i}`))));
    assert.equal(reads, 1);
  });

  it('the production pull policy refuses pulling latest by tag only, and says when it is configured', async () => {
    const guard = createTagGuard({ tagRules: store.tagRules, now: () => clock });
    const policy = new ProductionPullPolicy(guard);
    assert.equal(policy.name, 'production');
    assert.equal(policy.isConfigured('acme'), true, 'unknown until loaded: assume it may apply');
    assert.deepEqual(await policy.evaluate(candidate('latest')), []);
    assert.equal(policy.isConfigured('acme'), false, 'loaded: acme is not production');

    await store.tagRules.setProduction('acme', { isProduction: true, refuseLatestPull: false });
    guard.invalidate();
    assert.deepEqual(await policy.evaluate(candidate('latest')), [], 'production alone refuses pushes, not pulls');
    assert.equal(policy.isConfigured('acme'), false);

    await store.tagRules.setProduction('acme', { isProduction: true, refuseLatestPull: true });
    guard.invalidate();
    assert.deepEqual(await policy.evaluate(candidate('latest')), [{ policy: 'production', mode: 'enforce', reason: 'project acme is marked production: pulling "latest" is refused, pull a version tag or a digest' }]);
    assert.deepEqual(await policy.evaluate(candidate('1.0.0')), []);
    assert.deepEqual(await policy.evaluate(candidate()), [], 'by digest');
    assert.equal(policy.isConfigured('acme'), true);
    assert.equal(policy.isConfigured('other'), false);
  });
});
