import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth-server.ts';
import { pushImage } from '../helpers/oci-client.ts';

describe('registry smoke', () => {
  let berth: TestBerth;
  before(async () => {
    berth = await startTestBerth({}, { open: true });
  });
  after(() => berth.stop());

  it('answers /v2/ with the API version header', async () => {
    const res = await fetch(`${berth.url}/v2/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('serves back the exact manifest bytes that were pushed', async () => {
    const image = await pushImage(berth.url, 'smoke/app', 'v1');
    const res = await fetch(`${berth.url}/v2/smoke/app/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), image.digest);
    assert.equal(await res.text(), image.manifest);
  });
});
