import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import type { AuditEventInput } from '../meta/identity-store.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import { gateCatalogue, minAgeGate, type PromotionCandidate } from './promotion-gates.ts';
import { PromotionGateService } from './promotion-gates.service.ts';

const stores = await sqliteStores('berth-promotion-gates-');
const actor = { kind: 'user' as const, name: 'alice', userId: null, sourceIp: '127.0.0.1' };
const HOUR = 3_600_000;

function candidate(repository: string, tag: string): PromotionCandidate {
  return { source: { repository: 'acme/build' as RepoName, digest: `sha256:${'a'.repeat(64)}` as Digest }, children: [], target: { repository: repository as RepoName, tag: tag as Tag }, actor: 'alice' };
}

describe('promotion gate service', () => {
  it('evaluates only the gates whose repository and tag patterns match the target; an unknown stored kind fails closed', async () => {
    const fixture = await stores.make();
    const store = await fixture.open();
    try {
      await store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      let now = 10 * HOUR;
      const linked = new Map<string, number>([['acme/build', 0]]);
      const events: AuditEventInput[] = [];
      const service = new PromotionGateService({
        repo: store.promotionGates,
        gates: gateCatalogue([minAgeGate({ linkedAt: async (r) => linked.get(r), now: () => now })]),
        audit: { record: (e) => events.push(e) },
        now: () => now,
      });
      await service.add(actor, 'acme', { kind: 'min-age', tag: 'release-*', repository: 'api/*', params: { hours: 12 } });
      await store.promotionGates.add({ project: 'acme', repositoryPattern: '**', tagPattern: 'prod', kind: 'scan-clean', params: {}, createdBy: 'bob' });
      assert.equal(events[0]?.action, 'promotion-gate.add');

      assert.deepEqual(await service.evaluate(candidate('acme/api/server', 'staging')), [], 'no gate guards staging');
      assert.deepEqual(await service.evaluate(candidate('acme/web', 'release-1')), [], 'api/* does not match web');
      const age = await service.evaluate(candidate('acme/api/server', 'release-1.2'));
      assert.deepEqual(age.map((r) => [r.kind, r.passed, r.reason]), [['min-age', false, 'in acme/build for 10.0 hours, needs 12']]);
      now = 12 * HOUR;
      assert.equal((await service.evaluate(candidate('acme/api/server', 'release-1.2')))[0]?.passed, true);
      const unknownKind = await service.evaluate(candidate('acme/anything', 'prod'));
      assert.deepEqual(unknownKind.map((r) => [r.kind, r.passed, r.reason]), [['scan-clean', false, 'gate kind "scan-clean" is not available on this server']]);
      await assert.rejects(service.add(actor, 'acme', { kind: 'min-age', tag: 'bad tag!', params: { hours: 1 } }), /tag/);
    } finally {
      await store.close();
      await fixture.destroy();
    }
  });
});
