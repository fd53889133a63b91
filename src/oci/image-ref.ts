import { BerthError } from '../errors/berth-error.ts';
import { parseDigest, type Digest } from './digest.ts';
import { parseRepoName, parseTag, type RepoName, type Tag } from './names.ts';

/** A repository, optionally on a named registry: `project/repo` or `host:port/project/repo`. */
export interface RepositoryRef {
  /** Registry `host[:port]`, or undefined for "the configured server". */
  registry: string | undefined;
  repository: RepoName;
}

/**
 * An image reference. At least one of `tag` and `digest` is set: a reference naming neither gets the tag
 * `latest`. When both are given (`repo:tag@sha256:...`) the digest is what is fetched, as in docker.
 */
export interface ImageRef extends RepositoryRef {
  tag: Tag | undefined;
  digest: Digest | undefined;
}

export const DEFAULT_TAG = 'latest' as Tag;

/** `host`, `host:port`, `[v6]:port`: letters, digits, dots and dashes; the port is numeric. */
const HOST_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

function invalidReference(raw: string, why: string): BerthError {
  return new BerthError('NAME_INVALID', { message: `invalid image reference "${raw.slice(0, 300)}": ${why}`, detail: { reference: raw.slice(0, 300) } });
}

/** Docker's rule: the first path component names a registry when it has a '.' or ':' or is `localhost`. */
function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Throws NAME_INVALID unless `raw` is a `host[:port]`. */
export function parseRegistryHost(raw: string): string {
  if (!HOST_RE.test(raw)) throw invalidReference(raw, 'the registry must be host or host:port');
  return raw.toLowerCase();
}

/** Parses `repo` or `host[:port]/repo`. Throws NAME_INVALID (with the grammar in the message) otherwise. */
export function parseRepositoryRef(raw: string): RepositoryRef {
  const slash = raw.indexOf('/');
  const first = slash === -1 ? raw : raw.slice(0, slash);
  let registry: string | undefined;
  let name = raw;
  if (slash !== -1 && isRegistryComponent(first)) {
    registry = parseRegistryHost(first);
    name = raw.slice(slash + 1);
  }
  if (name === '') throw invalidReference(raw, 'the repository name is missing');
  return { registry, repository: parseRepoName(name) };
}

/**
 * Parses `repo[:tag][@digest]`, with an optional `host[:port]/` in front. Throws NAME_INVALID, TAG_INVALID or
 * DIGEST_INVALID naming the part that is wrong.
 */
export function parseImageRef(raw: string): ImageRef {
  let rest = raw;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = parseDigest(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let tag: Tag | undefined;
  const colon = rest.lastIndexOf(':');
  // A ':' after the last '/' separates a tag; one before it belongs to host:port.
  if (colon > rest.lastIndexOf('/')) {
    tag = parseTag(rest.slice(colon + 1));
    rest = rest.slice(0, colon);
  }
  const repo = parseRepositoryRef(rest);
  return { ...repo, tag: tag ?? (digest ? undefined : DEFAULT_TAG), digest };
}

/** What goes after `/manifests/`: the digest when there is one, otherwise the tag. */
export function manifestReference(ref: ImageRef): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

export function formatRepositoryRef(ref: RepositoryRef): string {
  return ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
}

/** The canonical text of a reference: `[host/]repo[:tag][@digest]`. `parseImageRef(formatImageRef(r))` equals `r`. */
export function formatImageRef(ref: ImageRef): string {
  return `${formatRepositoryRef(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The same reference pinned to `registry` when it named none (resolving "the configured server"). */
export function withDefaultRegistry<T extends RepositoryRef>(ref: T, registry: string): T {
  return ref.registry ? ref : { ...ref, registry: parseRegistryHost(registry) };
}

/** Whether `raw` names its tag or digest itself, rather than falling back to `latest`. */
export function hasExplicitReference(raw: string): boolean {
  return raw.includes('@') || raw.lastIndexOf(':') > raw.lastIndexOf('/');
}
