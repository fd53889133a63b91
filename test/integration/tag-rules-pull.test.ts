import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, callerFor, expectStatus, passwordOf, startApiFixture, type ApiFixture } from '../api/api-client.ts';
import { expectOciError, sha256 } from '../helpers/oci-client.ts';
import { pushImageAs } from './auth/auth-kit.ts';

/** Production protection on pulls: the `production` pull policy, through a real server's /v2 routes. */
describe('production project: pulling latest', { timeout: 120_000 }, () => {
  let f: ApiFixture;
  const dev = basic('dev', passwordOf('dev'));
  const pull = (repo: string, ref: string) =>
    fetch(`${f.berth.url}/v2/${repo}/manifests/${ref}`, { headers: { authorization: dev, accept: 'application/vnd.oci.image.manifest.v1+json' } });

  before(async () => {
    f = await startApiFixture();
    await f.user('dev');
    await f.user('olive');
    await f.project('shop');
    await f.grant('shop', 'dev', 'developer');
    await f.grant('shop', 'olive', 'owner');
  });
  after(() => f?.stop());

  it('is refused with DENIED naming the policy when the project refuses it; version tags and digests still pull', async () => {
    const digest = await pushImageAs(f.berth.url, 'shop/web', 'latest', dev);
    await pushImageAs(f.berth.url, 'shop/web', '1.0.0', dev);
    assert.equal((await pull('shop/web', 'latest')).status, 200, 'no protection yet');

    const owner = callerFor(f.berth, basic('olive', passwordOf('olive')));
    expectStatus(await owner('PUT', '/projects/shop/tag-rules/production', { isProduction: true }), 200);
    assert.equal((await pull('shop/web', 'latest')).status, 200, 'production alone still lets latest be pulled');

    expectStatus(await owner('PUT', '/projects/shop/tag-rules/production', { isProduction: true, refuseLatestPull: true }), 200);
    const refused = await expectOciError(await pull('shop/web', 'latest'), 403, 'DENIED');
    assert.match(refused.message, /production/);
    assert.match(refused.message, /pulling "latest" is refused/);
    const byDigest = await pull('shop/web', digest);
    assert.equal(byDigest.status, 200);
    assert.equal(sha256(Buffer.from(await byDigest.arrayBuffer())), digest);
    assert.equal((await pull('shop/web', '1.0.0')).status, 200);
    assert.equal((await fetch(`${f.berth.url}/v2/shop/web/manifests/latest`, { method: 'HEAD', headers: { authorization: dev } })).status, 200, 'HEAD is never judged');

    expectStatus(await owner('PUT', '/projects/shop/tag-rules/production', { isProduction: false }), 200);
    assert.equal((await pull('shop/web', 'latest')).status, 200);
  });
});
