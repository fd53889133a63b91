import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../cli/registry-client.ts';
import { isBerthError } from '../errors/berth-error.ts';
import { createLogger } from '../log/logger.ts';
import { parseDigest } from '../oci/digest.ts';
import { parseRepoName, parseTag } from '../oci/names.ts';
import { BlobService } from '../registry/blob.service.ts';
import { ManifestService } from '../registry/manifest.service.ts';
import { UploadService } from '../registry/upload.service.ts';
import { FsBlobDriver } from '../storage/filesystem/fs.driver.ts';
import { startTestBerth, type TestBerth } from '../../test/helpers/berth-server.ts';
import { BerthStorageSource } from './berth-storage.source.ts';
import { assertSampleRead, pushBuilt, readImages, sampleImage } from './source-test-kit.ts';

describe('Berth storage source', () => {
  let berth: TestBerth;
  let dir: string;
  let deps: { manifests: ManifestService; blobs: BlobService };
  before(async () => {
    berth = await startTestBerth({}, { open: true });
    dir = await mkdtemp(join(tmpdir(), 'berth-storage-source-'));
    // The services the server itself runs, over its own metadata and blob store.
    const driver = await FsBlobDriver.open({ root: berth.dataDir });
    const uploads = new UploadService({ driver, meta: berth.meta, log: createLogger('silent'), now: Date.now });
    deps = { manifests: new ManifestService({ meta: berth.meta, uploads, manifestMaxBytes: 4 * 1024 * 1024 }), blobs: new BlobService({ driver, meta: berth.meta }) };
  });
  after(async () => {
    await berth?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a pushed image from the registry storage by tag and by digest', async () => {
    const built = await sampleImage().build(join(dir, 'sample'), 'v1');
    const client = new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, undefined);
    await pushBuilt(client, 'proj/app', built, 'v1');
    const repo = parseRepoName('proj/app');
    for (const ref of [{ kind: 'tag', tag: parseTag('v1') } as const, { kind: 'digest', digest: parseDigest(built.manifest.digest) } as const]) {
      const [read] = await readImages(new BerthStorageSource(deps, repo, ref));
      assertSampleRead(read!, built);
    }
    // Blobs are served only when linked into the repository, as a pull would be.
    const other = new BerthStorageSource(deps, parseRepoName('proj/other'), { kind: 'tag', tag: parseTag('v1') });
    await assert.rejects(other.openBlob(parseDigest(built.layers[0]!.digest)), (err) => isBerthError(err, 'BLOB_UNKNOWN'));
    await assert.rejects(other.resolve(), (err) => isBerthError(err, 'MANIFEST_UNKNOWN'));
  });
});
