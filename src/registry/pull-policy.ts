import type { ResolvedPrincipal } from '../auth/authorizer.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName, Tag } from '../oci/names.ts';

/**
 * Pull policies: per-project rules that may refuse (or flag) pulling an image's content. Trust (#7: who signed
 * it) and vulnerability (#5: what it contains) policies implement this contract; the registry enforces it.
 *
 * Where the registry enforces (so signing and verification tools keep working, #7):
 * - manifest GET by tag of an image manifest or index: refused with DENIED naming the policy and the reason;
 * - blob GET (config and layers): refused when no manifest of the repository that uses the blob (directly or
 *   through an index) is allowed, so a digest-pinned pull still cannot fetch refused content;
 * - never: manifest HEAD, manifest GET by digest, the referrers API, signature/attestation tags
 *   (`sha256-<hex>.sig|.att|.sbom`), and artifacts (manifests with a `subject` or an `artifactType`).
 * Modes: `audit` records an audit event and allows; `warn` allows with a `Warning: 299 - "<reason>"` header;
 * `enforce` refuses. `off` policies produce no findings at all.
 */
export type PullPolicyMode = 'audit' | 'warn' | 'enforce';

/** One manifest a caller is about to pull. */
export interface PullCandidate {
  repo: RepoName;
  digest: Digest;
  mediaType: string;
  /** The manifest's exact bytes (an evaluator that needs its layers or children parses them). */
  content: Buffer;
  /** The tag the client asked for, when it pulled by tag. */
  tag?: Tag;
}

/** Why a candidate does not satisfy one policy. */
export interface PullFinding {
  /** Names the policy in errors and audit events, e.g. `trust` or `vulnerability`. */
  policy: string;
  mode: PullPolicyMode;
  /** One sentence a user can act on: "not signed by a trusted key (acme: keys release-2026)". */
  reason: string;
}

export interface PullPolicy {
  /** Stable name, e.g. `trust`. */
  readonly name: string;
  /**
   * Whether `project` has this policy configured (mode other than `off`), answered from memory without I/O.
   * The registry asks it before anything else so a project without policies pays nothing on its pulls (a blob
   * GET would otherwise need a reverse lookup). Omitted: the registry assumes it may apply to every project.
   */
  isConfigured?(project: string): boolean;
  /**
   * The findings for pulling `candidate`; empty when satisfied or when the project has no such policy (`off`).
   * Called on the pull hot path: implementations cache per digest and answer from memory when unconfigured.
   * Must not throw for a well-formed candidate; an internal failure is a finding in the policy's own mode.
   */
  evaluate(candidate: PullCandidate, caller: ResolvedPrincipal): Promise<PullFinding[]>;
  /**
   * Told after a manifest was pushed or deleted through /v2 (a policy that caches per digest drops what the
   * change affects, e.g. a new signature for a digest). Synchronous; must not throw.
   */
  contentChanged?(change: ManifestChange): void;
}

/** A manifest pushed or deleted in a repository. */
export interface ManifestChange {
  kind: 'push' | 'delete';
  repo: RepoName;
  /** The manifest's digest (for a delete by tag: undefined). */
  digest?: Digest;
  /** The tag pushed or deleted, if any. */
  tag?: Tag;
  /** The manifest's subject, for a referrer. */
  subject?: Digest;
}
