/** Where a tar entry's name lands in the image filesystem, as the runtimes that unpack layers decide it. */
export interface NormalizedEntryPath {
  /** Relative to the image root, no leading or trailing '/', no '.' or '..' segments; '' is the root itself. */
  path: string;
  /** The name started with '/' (tar strips it, as unpacking always does; reported, since builders never write it). */
  wasAbsolute: boolean;
  /** A '..' climbed above the root: Docker and containerd refuse such a layer, so the entry is never applied. */
  escapesRoot: boolean;
}

/** Normalizes a tar entry name or hardlink target: `./a//b/../c/` -> `a/c`. Pure. */
export function normalizeEntryPath(raw: string): NormalizedEntryPath {
  const wasAbsolute = raw.startsWith('/');
  const segments: string[] = [];
  let escapesRoot = false;
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      // Above the root of an absolute name is the root again (path cleaning); above a relative one is outside.
      if (segments.length > 0) segments.pop();
      else if (!wasAbsolute) escapesRoot = true;
      continue;
    }
    segments.push(segment);
  }
  return { path: segments.join('/'), wasAbsolute, escapesRoot };
}

/** The parent directory of a normalized path ('' for top-level entries). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The last segment of a normalized path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
