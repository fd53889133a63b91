import type { AuditRecorder } from '../audit/audit-writer.ts';
import type { Logger } from '../log/logger.ts';
import type { TrustRepo } from '../meta/trust.repo.ts';
import type { BlobService } from '../registry/blob.service.ts';
import type { ManifestService } from '../registry/manifest.service.ts';
import type { SignatureReader } from '../sign/signature-store.ts';
import { localSignatureReader } from './local-signature-reader.ts';
import { TrustPolicyService } from './trust-policy.service.ts';
import { TrustPullPolicy } from './trust.pull-policy.ts';
import { VerificationCache } from './verification.cache.ts';

/** A verdict is trusted this long at most (bounds staleness after another node's changes). */
const VERDICT_TTL_MS = 5 * 60_000;
const CACHE_MAX_ENTRIES = 50_000;
/** How often stored policies are re-read, to pick up changes made through another node. */
const RELOAD_EVERY_MS = 30_000;

export interface TrustServices {
  policies: TrustPolicyService;
  /** Register with the registry's PullPolicies. */
  pullPolicy: TrustPullPolicy;
  /** Reads signatures inside the server (for the signed-by promotion gate). */
  source: SignatureReader;
  /** Stops the periodic reload. Idempotent. */
  stop(): void;
}

/** Wires the trust policy (#7): policies in memory, the verification cache, the `trust` pull policy. */
export async function createTrustServices(deps: {
  repo: TrustRepo;
  manifests: Pick<ManifestService, 'get' | 'referrers'>;
  blobs: Pick<BlobService, 'stat' | 'open'>;
  audit: AuditRecorder;
  log: Logger;
  now: () => number;
}): Promise<TrustServices> {
  const cache = new VerificationCache({ ttlMs: VERDICT_TTL_MS, maxEntries: CACHE_MAX_ENTRIES, now: deps.now });
  const policies = new TrustPolicyService({
    repo: deps.repo,
    fx: { audit: deps.audit, invalidate: () => undefined, forgetCredentials: () => undefined, now: deps.now },
    onChange: (project) => cache.invalidateProject(project),
  });
  await policies.load();
  const source = localSignatureReader({ manifests: deps.manifests, blobs: deps.blobs });
  const pullPolicy = new TrustPullPolicy({
    policies,
    source,
    lookups: deps.repo,
    cache,
    log: deps.log,
    now: deps.now,
  });
  const reload = setInterval(() => {
    policies.load().catch((err: unknown) => deps.log.error({ err }, 'reloading trust policies failed'));
  }, RELOAD_EVERY_MS);
  reload.unref();
  return { policies, pullPolicy, source, stop: () => clearInterval(reload) };
}
