import type { ResolvedPrincipal } from '../auth/authorizer.ts';
import { projectOf } from '../auth/policy.ts';
import type { Logger } from '../log/logger.ts';
import type { TrustRepo } from '../meta/trust.repo.ts';
import type { Digest } from '../oci/digest.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import type { RepoName } from '../oci/names.ts';
import type { ManifestChange, PullCandidate, PullFinding, PullPolicy } from '../registry/pull-policy.ts';
import type { SignatureReader } from '../sign/signature-store.ts';
import { missingAttestations, verifyDigest, type TrustVerdict } from './image-verifier.ts';
import type { TrustPolicy } from './trust-policy.ts';
import type { VerificationCache } from './verification.cache.ts';

/** How many indexes listing a manifest are looked at for a signature that covers it. */
const PARENT_LIMIT = 20;

/**
 * The `trust` pull policy: an image is trusted when it is signed by a signer of its project's trust policy; a
 * manifest listed by an index is also trusted when that index is. Verdicts are cached per repository and digest
 * (VerificationCache), computed once for concurrent pulls, and dropped for a project when its policy changes or
 * a signature, referrer or index is pushed or deleted in it.
 */
export class TrustPullPolicy implements PullPolicy {
  readonly name = 'trust';
  private readonly inFlight = new Map<string, Promise<TrustVerdict>>();

  constructor(
    private readonly deps: {
      policies: { policyFor(project: string): TrustPolicy | undefined };
      source: SignatureReader;
      lookups: Pick<TrustRepo, 'indexesListing'>;
      cache: VerificationCache;
      log: Logger;
      now: () => number;
    },
  ) {}

  isConfigured(project: string): boolean {
    const policy = this.deps.policies.policyFor(project);
    return policy !== undefined && policy.mode !== 'off';
  }

  async evaluate(candidate: PullCandidate, _caller: ResolvedPrincipal): Promise<PullFinding[]> {
    const policy = this.deps.policies.policyFor(projectOf(candidate.repo));
    if (!policy || policy.mode === 'off') return [];
    try {
      const verdict = await this.verdict(policy, candidate.repo, candidate.digest, candidate.mediaType);
      return verdict.isTrusted ? [] : [{ policy: this.name, mode: policy.mode, reason: verdict.reason ?? 'not trusted' }];
    } catch (err) {
      this.deps.log.error({ err, repo: candidate.repo, digest: candidate.digest }, 'trust verification failed');
      return [{ policy: this.name, mode: policy.mode, reason: 'the signatures could not be verified (internal error)' }];
    }
  }

  /** The verdict for `digest` in `repo` under `policy`, from the cache when fresh. Throws on registry failures. */
  async verdict(policy: TrustPolicy, repo: RepoName, digest: Digest, mediaType: string): Promise<TrustVerdict> {
    const cached = this.deps.cache.get(repo, digest);
    if (cached) return cached;
    const key = `${repo}\u0000${digest}`;
    let running = this.inFlight.get(key);
    if (!running) {
      running = this.compute(policy, repo, digest, mediaType).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, running);
    }
    return running;
  }

  private async compute(policy: TrustPolicy, repo: RepoName, digest: Digest, mediaType: string): Promise<TrustVerdict> {
    const epoch = this.deps.cache.epoch;
    const now = new Date(this.deps.now());
    let verdict = await verifyDigest(this.deps.source, policy, repo, digest, now);
    /** Where the trusted signature is (the manifest itself, or an index listing it): attestations may be on either. */
    const attested = [digest];
    if (!verdict.isTrusted && !isIndexMediaType(mediaType)) {
      for (const index of await this.deps.lookups.indexesListing(repo, digest, PARENT_LIMIT)) {
        const parent = await verifyDigest(this.deps.source, policy, repo, index.digest, now);
        if (parent.isTrusted) {
          verdict = { isTrusted: true, signer: `${parent.signer} (through index ${index.digest})` };
          attested.push(index.digest);
          break;
        }
      }
    }
    if (verdict.isTrusted && policy.requiredAttestations.length > 0) {
      let missing = policy.requiredAttestations;
      for (const subject of attested) {
        const stillMissing = await missingAttestations(this.deps.source, policy, repo, subject, now);
        missing = missing.filter((t) => stillMissing.includes(t));
      }
      if (missing.length > 0) verdict = { isTrusted: false, reason: `signed by ${verdict.signer}, but missing required attestations signed by a trusted signer: ${missing.join(', ')}` };
    }
    // A policy or signature change while verifying invalidated the cache: the verdict is not stored then.
    this.deps.cache.set(repo, digest, verdict, epoch);
    return verdict;
  }

  /** Signatures, attestations, referrers and indexes change what is trusted: drop the project's verdicts. */
  contentChanged(change: ManifestChange): void {
    const project = projectOf(change.repo);
    if (this.isConfigured(project)) this.deps.cache.invalidateProject(project);
  }
}
