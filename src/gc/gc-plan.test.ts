import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GcGraph } from '../meta/gc.repo.ts';
import type { Digest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import { planBytes, planGc, tagKey } from './gc-plan.ts';

const OLD = 1_000;
const NOW = 10_000;
const GRACE_BEFORE = 5_000;
const R = 'acme/app' as RepoName;
const d = (name: string) => `sha256:${name}` as Digest;

/** A small graph builder: manifests with their blobs (each blob of size 10) and children, all linked into R. */
function graph(build: (g: { manifest(name: string, opts?: { blobs?: string[]; children?: string[]; subject?: string; at?: number }): void; tag(name: string, manifest: string): void; blob(name: string, at?: number): void; history(manifest: string): void }) => void): GcGraph {
  const g: GcGraph = { manifests: [], tags: [], references: [], blobLinks: [], blobs: [], manifestRows: [], history: [] };
  const blob = (name: string, at = OLD) => {
    if (g.blobs.some((b) => b.digest === d(name))) return;
    g.blobs.push({ digest: d(name), sizeBytes: 10, createdAt: at });
    g.blobLinks.push({ repository: R, digest: d(name), createdAt: at });
  };
  build({
    manifest(name, opts = {}) {
      g.manifests.push({ repository: R, digest: d(name), createdAt: opts.at ?? OLD, subject: opts.subject ? d(opts.subject) : null });
      g.manifestRows.push({ digest: d(name), sizeBytes: 100, createdAt: opts.at ?? OLD });
      for (const b of opts.blobs ?? []) {
        blob(b);
        g.references.push({ manifest: d(name), target: d(b), kind: 'blob' });
      }
      for (const c of opts.children ?? []) g.references.push({ manifest: d(name), target: d(c), kind: 'manifest' });
    },
    tag(name, manifest) {
      g.tags.push({ repository: R, name, digest: d(manifest), updatedAt: OLD });
    },
    blob,
    history(manifest) {
      g.history.push({ repository: R, digest: d(manifest) });
    },
  });
  return g;
}

const garbageOf = (g: GcGraph, removed?: Set<string>) => {
  const plan = planGc(g, { graceBefore: GRACE_BEFORE, ...(removed ? { removedTags: removed } : {}) });
  return {
    manifests: plan.repositories.flatMap((r) => r.manifests).sort(),
    blobs: plan.blobs.map((b) => b.digest).sort(),
    bytes: planBytes(plan),
  };
};

describe('planGc (the mark phase)', () => {
  it('keeps tagged images and collects untagged ones with only the blobs nobody else uses', () => {
    const g = graph((b) => {
      b.manifest('kept', { blobs: ['shared', 'c1'] });
      b.manifest('gone', { blobs: ['shared', 'c2'] });
      b.tag('v1', 'kept');
    });
    assert.deepEqual(garbageOf(g), { manifests: [d('gone')], blobs: [d('c2')], bytes: { blobBytes: 10, manifestBytes: 100 } });
  });

  it('an index keeps its children; an untagged index takes its children with it', () => {
    const kept = graph((b) => {
      b.manifest('child', { blobs: ['l1'] });
      b.manifest('index', { children: ['child'] });
      b.tag('v1', 'index');
    });
    assert.deepEqual(garbageOf(kept).manifests, []);
    const gone = graph((b) => {
      b.manifest('child', { blobs: ['l1'] });
      b.manifest('index', { children: ['child'] });
    });
    assert.deepEqual(garbageOf(gone).manifests, [d('child'), d('index')]);
    assert.deepEqual(garbageOf(gone).blobs, [d('l1')]);
  });

  it('a kept manifest keeps its referrers (and theirs); a referrer of garbage is garbage', () => {
    const g = graph((b) => {
      b.manifest('image', { blobs: ['l1'] });
      b.manifest('signature', { blobs: ['sig'], subject: 'image' });
      b.manifest('sbom-of-signature', { blobs: ['sbom'], subject: 'signature' });
      b.manifest('old', { blobs: ['l2'] });
      b.manifest('old-signature', { blobs: ['sig2'], subject: 'old' });
      b.tag('v1', 'image');
    });
    assert.deepEqual(garbageOf(g).manifests, [d('old'), d('old-signature')]);
    assert.deepEqual(garbageOf(g).blobs, [d('l2'), d('sig2')]);
  });

  it('keeps manifests tag history mentions inside the window, and anything linked within the grace period', () => {
    const g = graph((b) => {
      b.manifest('previous', { blobs: ['l1'] });
      b.manifest('pushed-by-digest', { blobs: ['l2'], at: NOW });
      b.blob('uploaded-not-yet-used', NOW);
      b.history('previous');
    });
    assert.deepEqual(garbageOf(g), { manifests: [], blobs: [], bytes: { blobBytes: 0, manifestBytes: 0 } });
  });

  it('removedTags answers "what if these tags went" without touching the others', () => {
    const g = graph((b) => {
      b.manifest('a', { blobs: ['shared', 'la'] });
      b.manifest('b', { blobs: ['shared', 'lb'] });
      b.tag('1.0', 'a');
      b.tag('2.0', 'b');
      b.tag('stable', 'b');
    });
    assert.deepEqual(garbageOf(g, new Set([tagKey(R, '1.0')])), { manifests: [d('a')], blobs: [d('la')], bytes: { blobBytes: 10, manifestBytes: 100 } });
    // b is still tagged `stable`: removing 2.0 frees nothing.
    assert.deepEqual(garbageOf(g, new Set([tagKey(R, '2.0')])).manifests, []);
  });

  it('a blob linked into another repository stays stored while that link is live', () => {
    const g = graph((b) => {
      b.manifest('gone', { blobs: ['shared'] });
    });
    g.blobLinks.push({ repository: 'other/repo' as RepoName, digest: d('shared'), createdAt: NOW });
    const plan = planGc(g, { graceBefore: GRACE_BEFORE });
    assert.deepEqual(plan.repositories.find((r) => r.repository === R)?.blobs, [d('shared')]);
    assert.deepEqual(plan.blobs, []);
  });
});
