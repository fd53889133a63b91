import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMOUS } from '../auth/authorizer.ts';
import { isBerthError } from '../errors/berth-error.ts';
import type { PolicyManifest } from '../meta/trust.repo.ts';
import { digestOf, type Digest } from '../oci/digest.ts';
import { parseRepoName, parseTag } from '../oci/names.ts';
import { PullPolicies, type PullRequestContext } from './pull-policy.enforcer.ts';
import type { PullFinding, PullPolicy } from './pull-policy.ts';

const REPO = parseRepoName('acme/app');
const image = (seed: string, extra: Record<string, unknown> = {}) => {
  const content = Buffer.from(JSON.stringify({ schemaVersion: 2, seed, ...extra }));
  return { digest: digestOf(content), mediaType: 'application/vnd.oci.image.manifest.v1+json', content };
};

/** A policy configured for `acme` only, answering `findings` for every candidate. */
function policy(findings: PullFinding[] | Error): PullPolicy & { calls: number } {
  return {
    name: 'test',
    calls: 0,
    isConfigured: (project) => project === 'acme',
    async evaluate() {
      this.calls++;
      if (findings instanceof Error) throw findings;
      return findings;
    },
  };
}

/** The reverse lookups over a fixed set of manifests, counting how often they are asked. */
function lookups(users: PolicyManifest[]) {
  const asked = { blob: 0, index: 0 };
  return {
    asked,
    manifestsUsingBlob: async () => (asked.blob++, users),
    indexesListing: async () => (asked.index++, []),
  };
}

function request(repo = REPO) {
  const out = { headers: [] as [string, string][], audits: [] as unknown[] };
  const req: PullRequestContext = { repo, principal: ANONYMOUS, header: (n, v) => out.headers.push([n, v]), audit: (e) => out.audits.push(e) };
  return { req, out };
}

describe('pull policies', () => {
  it('a project without a configured policy costs no lookup and no evaluation', async () => {
    const p = policy([{ policy: 'test', mode: 'enforce', reason: 'no' }]);
    const l = lookups([{ ...image('x'), isArtifact: false }]);
    const policies = new PullPolicies({ lookups: l });
    policies.register(p);
    const { req } = request(parseRepoName('other/app'));
    await policies.checkManifestPull(req, parseTag('v1'), image('x'));
    await policies.checkBlobPull(req, digestOf(Buffer.from('layer')));
    assert.deepEqual([p.calls, l.asked.blob, l.asked.index], [0, 0, 0]);
  });

  it('enforce throws DENIED naming policy and reason; warn adds a Warning; audit records', async () => {
    const policies = new PullPolicies({ lookups: lookups([]) });
    policies.register({ ...policy([{ policy: 'test', mode: 'warn', reason: 'looks "odd" – ünusual' }]), name: 'w' });
    policies.register({ ...policy([{ policy: 'other', mode: 'audit', reason: 'noted' }]), name: 'a' });
    const { req, out } = request();
    await policies.checkManifestPull(req, parseTag('v1'), image('x'));
    assert.deepEqual(out.headers, [['Warning', '299 - "test policy: looks \\"odd\\" ? ?nusual"']]);
    assert.equal((out.audits[0] as { action: string }).action, 'pull-policy.audit');

    const strict = new PullPolicies({ lookups: lookups([]) });
    strict.register(policy([{ policy: 'trust', mode: 'enforce', reason: 'not signed' }]));
    await assert.rejects(strict.checkManifestPull(request().req, parseTag('v1'), image('x')), (err) => isBerthError(err, 'DENIED') && /refused by the trust policy of project acme: not signed/.test(err.message));
  });

  it('never judges signature tags or artifacts; a throwing policy refuses (fail closed)', async () => {
    const p = policy(new Error('database down'));
    const policies = new PullPolicies({ lookups: lookups([]) });
    policies.register(p);
    await policies.checkManifestPull(request().req, parseTag(`sha256-${'b'.repeat(64)}.sig`), image('x'));
    await policies.checkManifestPull(request().req, parseTag('sbom'), image('x', { artifactType: 'application/spdx+json' }));
    assert.equal(p.calls, 0);
    await assert.rejects(policies.checkManifestPull(request().req, parseTag('v1'), image('x')), /could not be evaluated \(database down\)/);
  });

  it('a blob is served when some manifest using it is allowed, or an artifact uses it; refused when none is', async () => {
    const layer = digestOf(Buffer.from('layer'));
    const refused = new PullPolicies({ lookups: lookups([{ ...image('a'), isArtifact: false }]) });
    refused.register(policy([{ policy: 'trust', mode: 'enforce', reason: 'not signed' }]));
    await assert.rejects(refused.checkBlobPull(request().req, layer), (err) => isBerthError(err, 'DENIED'));

    const byArtifact = new PullPolicies({ lookups: lookups([{ ...image('a'), isArtifact: false }, { ...image('sig'), isArtifact: true }]) });
    byArtifact.register(policy([{ policy: 'trust', mode: 'enforce', reason: 'not signed' }]));
    await byArtifact.checkBlobPull(request().req, layer);

    const onlyWarn = new PullPolicies({ lookups: lookups([{ ...image('a'), isArtifact: false }]) });
    onlyWarn.register(policy([{ policy: 'trust', mode: 'warn', reason: 'not signed' }]));
    const { req, out } = request();
    await onlyWarn.checkBlobPull(req, layer);
    assert.deepEqual(out.headers, [], 'warn and audit are reported on the manifest, not on every blob');
  });
});
