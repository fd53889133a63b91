import { BerthError } from '../errors/berth-error.ts';

/** Where `berth analyze` reads an image, by skopeo's transport names. */
export type SourceReference =
  | { transport: 'oci'; dir: string; tag: string | undefined }
  | { transport: 'docker-archive'; path: string; tag: string | undefined }
  | { transport: 'registry'; reference: string };

/**
 * `oci:DIR[:TAG]`, `docker-archive:PATH[:TAG]` (the path ends at its first ':' as in skopeo, so the tag may hold
 * more), or anything else as a registry reference. Throws NAME_INVALID for a transport without a path.
 */
export function parseSourceReference(raw: string): SourceReference {
  const m = /^(oci|docker-archive):(.*)$/.exec(raw);
  if (!m) return { transport: 'registry', reference: raw };
  const [, transport, rest] = m as unknown as [string, 'oci' | 'docker-archive', string];
  const colon = rest.indexOf(':');
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const tag = colon === -1 ? undefined : rest.slice(colon + 1) || undefined;
  if (path === '') throw new BerthError('NAME_INVALID', { message: `"${raw.slice(0, 300)}" names no ${transport === 'oci' ? 'directory' : 'file'}: use ${transport}:PATH[:TAG]` });
  return transport === 'oci' ? { transport, dir: path, tag } : { transport, path, tag };
}
