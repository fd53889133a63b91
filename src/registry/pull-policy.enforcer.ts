import type { ResolvedPrincipal } from '../auth/authorizer.ts';
import { projectOf } from '../auth/policy.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';
import type { PolicyManifest, TrustRepo } from '../meta/trust.repo.ts';
import type { ManifestChange, PullCandidate, PullFinding, PullPolicy } from './pull-policy.ts';
import type { V2Context } from './v2-route.ts';
import { warningHeaderValue } from './warning-header.ts';

/** cosign's classic signature, attestation and SBOM tags: never judged (signing tools read them). */
const SIGNATURE_TAG_RE = /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/;
/** How many manifests using a blob (and indexes listing each) a blob GET looks at before giving up. */
const LOOKUP_LIMIT = 50;

/** What the registry routes need to apply findings to one request. */
export interface PullRequestContext {
  repo: RepoName;
  principal: ResolvedPrincipal;
  /** Adds a header to the answer (`Warning`). */
  header(name: string, value: string): void;
  /** Records an audit event for this caller and request. Never throws. */
  audit(event: { action: string; result: 'success' | 'denied'; reference?: string; digest?: string; detail?: Record<string, unknown> }): void;
}

/** Whether manifest bytes declare a subject or an artifactType (an artifact: signature, SBOM, attestation...). */
export function isArtifactManifest(content: Buffer): boolean {
  try {
    const body = JSON.parse(content.toString('utf8')) as { subject?: unknown; artifactType?: unknown };
    return (body.subject !== undefined && body.subject !== null) || typeof body.artifactType === 'string';
  } catch {
    return false;
  }
}

/**
 * The pull policies every project may have, and where the registry applies them (see pull-policy.ts for the
 * contract). Policies register once at start-up (main.ts); a project none of them is configured for costs no
 * I/O at all. Safe to use concurrently.
 */
export class PullPolicies {
  private readonly policies: PullPolicy[] = [];

  constructor(private readonly deps: { lookups: Pick<TrustRepo, 'manifestsUsingBlob' | 'indexesListing'> }) {}

  /** Adds a policy. Throws when one of that name is already registered. */
  register(policy: PullPolicy): void {
    if (this.policies.some((p) => p.name === policy.name)) throw new Error(`duplicate pull policy ${policy.name}`);
    this.policies.push(policy);
  }

  /** Tells every policy about a manifest pushed or deleted through /v2. Never throws. */
  contentChanged(change: ManifestChange): void {
    for (const p of this.policies) {
      try {
        p.contentChanged?.(change);
      } catch {
        // A policy's cache upkeep must not fail the push; its entries expire on their own.
      }
    }
  }

  /** The policies that may apply to `repo`'s project; empty means nothing to do (no I/O was needed to know). */
  private applicable(repo: RepoName): PullPolicy[] {
    if (this.policies.length === 0) return [];
    const project = projectOf(repo);
    return this.policies.filter((p) => p.isConfigured?.(project) ?? true);
  }

  /** Every finding of the applicable policies for `candidate`; a policy that throws yields an enforce finding. */
  private async judge(policies: PullPolicy[], candidate: PullCandidate, caller: ResolvedPrincipal): Promise<PullFinding[]> {
    const all = await Promise.all(
      policies.map(async (p) => {
        try {
          return await p.evaluate(candidate, caller);
        } catch (err) {
          return [{ policy: p.name, mode: 'enforce' as const, reason: `the policy could not be evaluated (${(err as Error).message})` }];
        }
      }),
    );
    return all.flat();
  }

  /**
   * Manifest GET by tag: judges the manifest served (never a signature tag or an artifact). Enforce findings
   * throw DENIED naming the policy; warn findings add `Warning` headers; audit findings record
   * `pull-policy.audit` events. Throws only DENIED.
   */
  async checkManifestPull(req: PullRequestContext, tag: Tag, manifest: { digest: Digest; mediaType: string; content: Buffer }): Promise<void> {
    const policies = this.applicable(req.repo);
    if (policies.length === 0 || SIGNATURE_TAG_RE.test(tag) || isArtifactManifest(manifest.content)) return;
    const candidate: PullCandidate = { repo: req.repo, digest: manifest.digest, mediaType: manifest.mediaType, content: manifest.content, tag };
    const findings = await this.judge(policies, candidate, req.principal);
    apply(req, findings, { reference: tag, digest: manifest.digest });
  }

  /**
   * Blob GET: refused (DENIED) when manifests of the repository use the blob and none of them, nor an index
   * listing them, is allowed. A blob an artifact uses, or that no manifest uses, is served. Only enforce findings
   * matter here: audit and warn were reported on the manifest GET. Throws only DENIED.
   */
  async checkBlobPull(req: PullRequestContext, digest: Digest): Promise<void> {
    const policies = this.applicable(req.repo);
    if (policies.length === 0) return;
    const users = await this.deps.lookups.manifestsUsingBlob(req.repo, digest, LOOKUP_LIMIT);
    const isArtifact = (m: PolicyManifest) => m.isArtifact || isArtifactManifest(m.content);
    if (users.length === 0 || users.some(isArtifact)) return;
    let refusal: PullFinding[] | undefined;
    const allows = async (m: PolicyManifest): Promise<boolean> => {
      const findings = (await this.judge(policies, { repo: req.repo, digest: m.digest, mediaType: m.mediaType, content: m.content }, req.principal)).filter((f) => f.mode === 'enforce');
      refusal ??= findings.length > 0 ? findings : undefined;
      return findings.length === 0;
    };
    for (const user of users) {
      if (await allows(user)) return;
      for (const index of await this.deps.lookups.indexesListing(req.repo, user.digest, LOOKUP_LIMIT)) {
        if (isArtifact(index) || (await allows(index))) return;
      }
    }
    apply(req, refusal ?? [], { digest });
  }
}

function apply(req: PullRequestContext, findings: PullFinding[], target: { reference?: string; digest: Digest }): void {
  if (findings.length === 0) return;
  const project = projectOf(req.repo);
  for (const f of findings) {
    if (f.mode === 'warn') req.header('Warning', warningHeaderValue(`${f.policy} policy: ${f.reason}`));
    if (f.mode === 'audit') req.audit({ action: 'pull-policy.audit', result: 'success', ...target, detail: { policy: f.policy, reason: f.reason } });
  }
  const enforced = findings.filter((f) => f.mode === 'enforce');
  if (enforced.length === 0) return;
  req.audit({ action: 'pull-policy.enforce', result: 'denied', ...target, detail: { policies: enforced.map((f) => ({ policy: f.policy, reason: f.reason })) } });
  const what = enforced.map((f) => `the ${f.policy} policy of project ${project}: ${f.reason}`).join('; ');
  throw new BerthError('DENIED', {
    message: `pull of ${req.repo}@${target.digest} refused by ${what}`,
    detail: { name: req.repo, digest: target.digest, policies: enforced.map((f) => ({ policy: f.policy, reason: f.reason })) },
  });
}

/** The request as the pull policies see it. */
export function pullRequest(ctx: Pick<V2Context, 'repo' | 'principal' | 'reply' | 'audit'>): PullRequestContext {
  return {
    repo: ctx.repo,
    principal: ctx.principal,
    header: (name, value) => void ctx.reply.header(name, value),
    audit: (event) => ctx.audit(event),
  };
}
