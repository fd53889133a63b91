import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import type { GcGraph } from '../meta/gc.repo.ts';

/**
 * The mark phase, pure: which links, manifests and blobs are garbage in a snapshot of the reference graph.
 *
 * Per repository the live manifests are the closure of the roots
 *   - manifests a tag points at (minus `removedTags`, which retention uses to ask "what if these went"),
 *   - manifests tag history mentions inside the history window (so a rollback never finds content gone),
 *   - manifests linked within the grace period (pushed by digest, e.g. an index's child before its index),
 * under "an index keeps its children" and "a kept manifest keeps its referrers" (manifests whose subject it is).
 * Live blobs are those live manifests use plus blobs linked within the grace period. Everything else linked into
 * the repository is garbage there; a manifest or blob row no repository keeps is garbage globally (a blob row
 * only once older than the grace period: an upload reserves the row before it writes the bytes).
 */

export interface GcPlanOptions {
  /** Links and blob rows created at or after this instant are kept (the grace period's start). */
  graceBefore: number;
  /** Tags to treat as absent, as `repository:tag` keys (retention's what-if). */
  removedTags?: ReadonlySet<string>;
}

export interface RepositoryGarbage {
  repository: RepoName;
  manifests: Digest[];
  blobs: Digest[];
}

export interface GcPlan {
  repositories: RepositoryGarbage[];
  /** Manifest rows no repository would link any more, with their stored size. */
  manifests: Array<{ digest: Digest; sizeBytes: number }>;
  /** Blob rows (and files) no repository would link any more, with their size. */
  blobs: Array<{ digest: Digest; sizeBytes: number }>;
}

export const tagKey = (repository: string, tag: string): string => `${repository}:${tag}`;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function planGc(graph: GcGraph, opts: GcPlanOptions): GcPlan {
  const removed = opts.removedTags ?? new Set<string>();
  const refsOf = groupBy(graph.references, (r) => r.manifest);
  const manifestsByRepo = groupBy(graph.manifests, (m) => m.repository);
  const tagsByRepo = groupBy(graph.tags, (t) => t.repository);
  const historyByRepo = groupBy(graph.history, (h) => h.repository);
  const blobLinksByRepo = groupBy(graph.blobLinks, (b) => b.repository);
  const repositories = new Set<string>([...manifestsByRepo.keys(), ...blobLinksByRepo.keys()]);

  const keptManifestRows = new Set<string>();
  const keptBlobRows = new Set<string>();
  const result: RepositoryGarbage[] = [];

  for (const repository of [...repositories].sort()) {
    const linked = manifestsByRepo.get(repository) ?? [];
    const linkedSet = new Set(linked.map((m) => m.digest as string));
    const referrersOf = groupBy(linked.filter((m) => m.subject !== null), (m) => m.subject as string);
    const roots = [
      ...(tagsByRepo.get(repository) ?? []).filter((t) => !removed.has(tagKey(repository, t.name))).map((t) => t.digest as string),
      ...(historyByRepo.get(repository) ?? []).map((h) => h.digest as string),
      ...linked.filter((m) => m.createdAt >= opts.graceBefore).map((m) => m.digest as string),
    ];
    const live = new Set<string>();
    const stack = roots.filter((d) => linkedSet.has(d));
    while (stack.length > 0) {
      const digest = stack.pop()!;
      if (live.has(digest)) continue;
      live.add(digest);
      for (const r of refsOf.get(digest) ?? []) if (r.kind === 'manifest' && linkedSet.has(r.target)) stack.push(r.target);
      for (const referrer of referrersOf.get(digest) ?? []) stack.push(referrer.digest);
    }
    const liveBlobs = new Set<string>();
    for (const digest of live) for (const r of refsOf.get(digest) ?? []) if (r.kind === 'blob') liveBlobs.add(r.target);
    const blobLinks = blobLinksByRepo.get(repository) ?? [];
    for (const b of blobLinks) if (b.createdAt >= opts.graceBefore) liveBlobs.add(b.digest);

    for (const digest of live) keptManifestRows.add(digest);
    const garbageBlobs: Digest[] = [];
    for (const b of blobLinks) {
      if (liveBlobs.has(b.digest)) keptBlobRows.add(b.digest);
      else garbageBlobs.push(b.digest);
    }
    const garbageManifests = linked.filter((m) => !live.has(m.digest)).map((m) => m.digest);
    if (garbageManifests.length > 0 || garbageBlobs.length > 0) {
      result.push({ repository: repository as RepoName, manifests: garbageManifests.sort(), blobs: garbageBlobs.sort() });
    }
  }

  return {
    repositories: result,
    manifests: graph.manifestRows.filter((m) => !keptManifestRows.has(m.digest)).map(({ digest, sizeBytes }) => ({ digest, sizeBytes })),
    blobs: graph.blobs
      .filter((b) => !keptBlobRows.has(b.digest) && b.createdAt < opts.graceBefore)
      .map(({ digest, sizeBytes }) => ({ digest, sizeBytes })),
  };
}

/** Bytes a plan frees: blob bytes on disk plus manifest bytes in the store. */
export function planBytes(plan: GcPlan): { blobBytes: number; manifestBytes: number } {
  return {
    blobBytes: plan.blobs.reduce((n, b) => n + b.sizeBytes, 0),
    manifestBytes: plan.manifests.reduce((n, m) => n + m.sizeBytes, 0),
  };
}
