import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MetaStore } from './meta-store.ts';
import type { AdvisoryInput } from './vulndb.repo.ts';

/** The vulnerability database tables, for every dialect. */
export function describeVulnDbRepo(name: string, make: () => Promise<{ open: () => Promise<MetaStore>; destroy: () => Promise<void> }>): void {
  describe(`${name} vulndb repo contract`, () => {
    let store: MetaStore;
    let destroy: () => Promise<void>;
    before(async () => {
      const made = await make();
      destroy = made.destroy;
      store = await made.open();
    });
    after(async () => {
      await store?.close();
      await destroy?.();
    });

    const advisory = (id: string, modified: string, extra: Partial<AdvisoryInput> = {}): AdvisoryInput => ({
      id, source: 'Debian', modified, withdrawn: null,
      recordJson: JSON.stringify({ id, modified }),
      affected: [{ ecosystem: 'debian', package: 'openssl' }],
      aliases: [], ...extra,
    });

    it('adds, updates and leaves unchanged records; candidates come from the package index', async () => {
      const first = await store.vulndb.upsert([
        advisory('DSA-1', '2024-01-01T00:00:00Z', { aliases: ['CVE-2024-1'] }),
        advisory('DSA-2', '2024-01-02T00:00:00Z', { affected: [{ ecosystem: 'debian', package: 'zlib' }, { ecosystem: 'debian', package: 'zlib' }] }),
        advisory('GHSA-x', '2024-01-03T00:00:00Z', { source: 'npm', affected: [{ ecosystem: 'npm', package: 'openssl' }] }),
      ], 1000);
      assert.deepEqual(first, { added: 3, updated: 0, unchanged: 0 });
      const again = await store.vulndb.upsert([
        advisory('DSA-1', '2024-01-01T00:00:00Z', { aliases: ['CVE-2024-1'] }),
        advisory('DSA-2', '2024-02-01T00:00:00Z', { affected: [{ ecosystem: 'debian', package: 'curl' }] }),
      ], 2000);
      assert.deepEqual(again, { added: 0, updated: 1, unchanged: 1 });
      assert.deepEqual((await store.vulndb.candidates('debian', ['openssl', 'zlib', 'curl'])).map((a) => a.id), ['DSA-1', 'DSA-2']);
      assert.deepEqual((await store.vulndb.candidates('debian', ['zlib'])).map((a) => a.id), [], 'the updated record no longer names zlib');
      assert.deepEqual((await store.vulndb.candidates('npm', ['openssl'])).map((a) => a.id), ['GHSA-x']);
      assert.deepEqual(await store.vulndb.idsKnownAs('CVE-2024-1'), ['DSA-1']);
      assert.equal((await store.vulndb.get('DSA-2'))?.recordJson, JSON.stringify({ id: 'DSA-2', modified: '2024-02-01T00:00:00Z' }));
    });

    it('candidates answer for more names than one statement takes', async () => {
      const names = Array.from({ length: 450 }, (_, i) => `pkg-${i}`);
      await store.vulndb.upsert(names.map((n, i) => advisory(`BULK-${i}`, '2024-03-01T00:00:00Z', { source: 'bulk', affected: [{ ecosystem: 'bulk', package: n }] })), 3000);
      assert.equal((await store.vulndb.candidates('bulk', names)).length, 450);
    });

    it('freshness per source: counts, withdrawn, watermark and stamps', async () => {
      await store.vulndb.upsert([advisory('DSA-3', '2024-03-05T00:00:00Z', { withdrawn: '2024-03-05T00:00:00Z' })], 4000);
      const debian = await store.vulndb.refreshSource('Debian', { importedAt: 4000 });
      assert.deepEqual(debian, { name: 'Debian', recordCount: 3, withdrawnCount: 1, modifiedWatermark: '2024-03-05T00:00:00Z', lastImportAt: 4000, lastSyncAt: null });
      const synced = await store.vulndb.refreshSource('Debian', { syncedAt: 5000 });
      assert.equal(synced.lastImportAt, 4000);
      assert.equal(synced.lastSyncAt, 5000);
      assert.deepEqual((await store.vulndb.sources()).map((s) => s.name), ['Debian']);
    });

    it('stores the revision', async () => {
      assert.equal(await store.vulndb.revision(), undefined);
      await store.vulndb.setRevision('r1');
      await store.vulndb.setRevision('r2');
      assert.equal(await store.vulndb.revision(), 'r2');
    });
  });
}
