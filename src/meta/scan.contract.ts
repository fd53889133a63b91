import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import { digest, pushImage, repo, useFreshStore, type MakeMetaStore } from './meta-store.contract-kit.ts';
import type { ScanResultRow } from './scan.repo.ts';

function result(d: Digest, over: Partial<ScanResultRow> = {}): ScanResultRow {
  return { digest: d, inventoryJson: '{"packages":[]}', findingsJson: '[]', revision: 'r1', worstSeverity: 'none', findingCount: 0, scannedAt: 1000, matchedAt: 1000, ...over };
}

/** The scan repository (#5): results and the ids they are affected by, jobs, policies and exceptions. */
export function describeScanRepo(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} scan repository contract`, () => {
    const ctx = useFreshStore(makeStore);

    it('stores a result per digest, replaces it, and finds images by any id or alias with their tags', async () => {
      const { store } = ctx;
      const image = await pushImage(store, 'acme/app', { seed: 'a', blobs: [digest('l1')], tag: 'v1' });
      await pushImage(store, 'beta/copy', { seed: 'a', blobs: [digest('l1')] });
      const other = await pushImage(store, 'acme/other', { seed: 'b', blobs: [digest('l2')], tag: 'latest' });
      await store.scans.putResult(result(image.digest, { findingsJson: '[1]', findingCount: 1, worstSeverity: 'critical' }), ['DSA-1', 'CVE-2026-1', 'CVE-2026-1']);
      await store.scans.putResult(result(other.digest), ['CVE-2026-2']);
      assert.deepEqual(await store.scans.findResult(image.digest), result(image.digest, { findingsJson: '[1]', findingCount: 1, worstSeverity: 'critical' }));
      const byAlias = await store.scans.affectedBy('CVE-2026-1', 10);
      assert.deepEqual(byAlias.map((i) => [i.repository, i.digest, i.tags]), [['acme/app', image.digest, ['v1']], ['beta/copy', image.digest, []]]);
      assert.deepEqual((await store.scans.affectedBy('DSA-1', 10)).length, 2);
      // A re-match replaces the ids: the old ones no longer find it.
      await store.scans.putResult(result(image.digest, { revision: 'r2', matchedAt: 2000 }), ['CVE-2026-3']);
      assert.deepEqual(await store.scans.affectedBy('CVE-2026-1', 10), []);
      assert.equal((await store.scans.findResult(image.digest))?.revision, 'r2');
      assert.deepEqual(await store.scans.repositoriesOf(image.digest), ['acme/app', 'beta/copy']);
      const all = await store.scans.resultDigests('', 10);
      assert.deepEqual(all, [image.digest, other.digest].sort());
      assert.deepEqual(await store.scans.resultDigests(all[0]!, 10), [all[1]]);
    });

    it('lists images, never artifacts, per repository or everywhere, paged by repository and digest', async () => {
      const { store } = ctx;
      const a = await pushImage(store, 'acme/app', { seed: 'a', blobs: [digest('l1')], tag: 'v1' });
      await pushImage(store, 'acme/app', { seed: 'sbom', blobs: [digest('s')], subject: a.digest, artifactType: 'application/vnd.cyclonedx+json' });
      const b = await pushImage(store, 'acme/zzz', { seed: 'b', blobs: [digest('l2')], artifactType: 'application/vnd.oci.image.config.v1+json' });
      await pushImage(store, 'acme/zzz', { seed: 'helm', blobs: [digest('h')], artifactType: 'application/vnd.cncf.helm.config.v1+json' });
      assert.deepEqual((await store.scans.images({ repository: repo('acme/app') }, undefined, 10)).map((i) => [i.digest, i.tags]), [[a.digest, ['v1']]]);
      const first = await store.scans.images({}, undefined, 1);
      assert.deepEqual(first.map((i) => i.repository), ['acme/app']);
      const rest = await store.scans.images({}, { repository: first[0]!.repository, digest: first[0]!.digest }, 10);
      assert.deepEqual(rest.map((i) => [i.repository, i.digest]), [['acme/zzz', b.digest]]);
    });

    it('queues a job once per kind and digest, keeping the more urgent priority', async () => {
      const { store } = ctx;
      const job = { kind: 'scan' as const, repository: 'acme/app' as RepoName, digest: digest('x'), priority: 2, requestedAt: 10 };
      await store.scans.enqueue(job);
      await store.scans.enqueue({ ...job, priority: 0, requestedAt: 20 });
      await store.scans.enqueue({ ...job, priority: 1, requestedAt: 30 });
      await store.scans.enqueue({ ...job, kind: 'rematch', priority: 2, requestedAt: 5 });
      await store.scans.enqueue({ ...job, digest: digest('y'), priority: 0, requestedAt: 40 });
      const queued = await store.scans.queuedJobs();
      assert.deepEqual(queued.map((j) => [j.kind, j.digest, j.priority, j.requestedAt]), [
        ['scan', digest('x'), 0, 10],
        ['scan', digest('y'), 0, 40],
        ['rematch', digest('x'), 2, 5],
      ]);
      await store.scans.dequeue('scan', digest('x'));
      await store.scans.dequeue('scan', digest('x'));
      assert.equal((await (await ctx.reopen()).scans.queuedJobs()).length, 2);
    });

    it('keeps policies and exceptions per project', async () => {
      const { store } = ctx;
      await store.scans.putPolicy('acme', '{"mode":"warn"}', 1);
      await store.scans.putPolicy('acme', '{"mode":"enforce"}', 2);
      await store.scans.putPolicy('beta', '{}', 3);
      assert.deepEqual(await store.scans.policies(), [{ project: 'acme', policyJson: '{"mode":"enforce"}' }, { project: 'beta', policyJson: '{}' }]);
      const row = { id: 'e1', project: 'acme', vulnerabilityId: 'CVE-1', repository: 'acme/app' as RepoName, digest: null, owner: 'sec', justification: 'why', expiresAt: 5000, createdBy: 'alice', createdAt: 100 };
      await store.scans.addException(row);
      await store.scans.addException({ ...row, id: 'e2', project: 'beta', repository: null, digest: digest('d') });
      assert.deepEqual(await store.scans.exceptions('acme'), [row]);
      assert.equal((await store.scans.allExceptions()).length, 2);
      assert.equal(await store.scans.deleteException('beta', 'e1'), false);
      assert.equal(await store.scans.deleteException('acme', 'e1'), true);
      assert.deepEqual(await store.scans.exceptions('acme'), []);
    });
  });
}
