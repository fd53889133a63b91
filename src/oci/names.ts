import { BerthError } from '../errors/berth-error.ts';
import { isDigest, type Digest } from './digest.ts';

/** A repository name that matches the distribution-spec grammar; can never contain `..`, `%` or a leading `/`. */
export type RepoName = string & { readonly __brand: 'RepoName' };
export type Tag = string & { readonly __brand: 'Tag' };
export type Reference = { kind: 'tag'; tag: Tag } | { kind: 'digest'; digest: Digest };

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Distribution's limit; keeps every path derived from a name well inside filesystem limits. */
export const MAX_NAME_LENGTH = 255;

export function isRepoName(raw: string): raw is RepoName {
  return raw.length <= MAX_NAME_LENGTH && NAME_RE.test(raw);
}

export function parseRepoName(raw: string): RepoName {
  if (!isRepoName(raw)) {
    throw new BerthError('NAME_INVALID', { message: 'invalid repository name: must match [a-z0-9]+([._-][a-z0-9]+)*(/...)* and be at most 255 characters', detail: { name: raw.slice(0, 300) } });
  }
  return raw;
}

export function isTag(raw: string): raw is Tag {
  return TAG_RE.test(raw);
}

export function parseTag(raw: string): Tag {
  if (!isTag(raw)) throw new BerthError('TAG_INVALID', { message: 'invalid tag: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}', detail: { tag: raw.slice(0, 200) } });
  return raw;
}

/** A manifest reference is a digest when it contains ':' (tags never do), otherwise a tag. */
export function parseReference(raw: string): Reference {
  if (raw.includes(':')) {
    if (!isDigest(raw)) throw new BerthError('DIGEST_INVALID', { message: 'invalid digest in manifest reference', detail: { reference: raw.slice(0, 200) } });
    return { kind: 'digest', digest: raw };
  }
  return { kind: 'tag', tag: parseTag(raw) };
}

export function referenceString(ref: Reference): string {
  return ref.kind === 'tag' ? ref.tag : ref.digest;
}
