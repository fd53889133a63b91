import { afterEach, beforeEach } from 'node:test';
import { digestOf, type Digest } from '../oci/digest.ts';
import { MediaType, type ManifestMediaType } from '../oci/media-types.ts';
import { parseRepoName, parseTag, type RepoName, type Tag } from '../oci/names.ts';
import type { MetaStore, PutManifestInput } from './meta-store.ts';

/** One empty database per call; `open` may be called more than once on it (each open runs the migrations). */
export interface MetaStoreFixture {
  open(): Promise<MetaStore>;
  /** Removes the database. Stores opened on it are closed first by the suite. */
  destroy(): Promise<void>;
}

export type MakeMetaStore = () => Promise<MetaStoreFixture>;

/** What each contract test sees: a store on a fresh database, and a way to open that database again. */
export interface StoreContext {
  readonly store: MetaStore;
  /** Opens another store on the same database; the suite closes it after the test. */
  reopen(): Promise<MetaStore>;
}

/** Registers the per-test fresh database and returns the accessor the tests read it through. */
export function useFreshStore(makeStore: MakeMetaStore): StoreContext {
  let fixture: MetaStoreFixture | undefined;
  let opened: MetaStore[] = [];
  beforeEach(async () => {
    fixture = await makeStore();
    opened = [await fixture.open()];
  });
  afterEach(async () => {
    for (const s of opened) await s.close();
    await fixture?.destroy();
    fixture = undefined;
  });
  return {
    get store() {
      return opened[0]!;
    },
    async reopen() {
      const s = await fixture!.open();
      opened.push(s);
      return s;
    },
  };
}

export const repo = (raw: string): RepoName => parseRepoName(raw);
export const tag = (raw: string): Tag => parseTag(raw);

/** A distinct, well-formed digest per seed. */
export const digest = (seed: string | number): Digest => digestOf(Buffer.from(`blob-${seed}`));

/** Bytewise ascending, the order the registry API's pagination promises. */
export function bytewise(names: string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export interface ManifestSpec {
  seed: string | number;
  blobs?: Digest[];
  manifests?: Digest[];
  tag?: string;
  subject?: Digest;
  artifactType?: string;
  annotations?: Record<string, string>;
  mediaType?: ManifestMediaType;
}

/** A put request whose bytes and digest are unique to `seed` (and to what it references). */
export function manifest(repoName: string, spec: ManifestSpec): PutManifestInput {
  const isIndex = (spec.manifests ?? []).length > 0;
  const mediaType = spec.mediaType ?? (isIndex ? MediaType.OciIndex : MediaType.OciManifest);
  const content = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, seed: spec.seed, blobs: spec.blobs, manifests: spec.manifests, subject: spec.subject }));
  return {
    repo: repo(repoName),
    digest: digestOf(content),
    mediaType,
    content,
    blobs: spec.blobs ?? [],
    manifests: spec.manifests ?? [],
    ...(spec.subject ? { subject: spec.subject } : {}),
    ...(spec.artifactType ? { artifactType: spec.artifactType } : {}),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
    ...(spec.tag ? { tag: tag(spec.tag) } : {}),
  };
}

/** Links `blobs` into `repoName` and puts a manifest referencing them. */
export async function pushImage(store: MetaStore, repoName: string, spec: ManifestSpec): Promise<PutManifestInput> {
  for (const b of spec.blobs ?? []) await store.blobs.link(repo(repoName), b, 1000);
  const input = manifest(repoName, spec);
  await store.manifests.put(input);
  return input;
}

/** Every page of a paginated listing, fetched `n` at a time, with the `hasMore` flag of each page. */
export async function allPages(fetch: (page: { n: number; last?: string }) => Promise<{ items: string[]; hasMore: boolean }>, n: number): Promise<{ items: string[]; flags: boolean[] }> {
  const items: string[] = [];
  const flags: boolean[] = [];
  let last: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetch(last === undefined ? { n } : { n, last });
    items.push(...page.items);
    flags.push(page.hasMore);
    if (!page.hasMore) break;
    last = page.items.at(-1);
  }
  return { items, flags };
}
