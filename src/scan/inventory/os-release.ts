import type { OsInfo } from './inventory.ts';

/** Files the OS is told by, in the order they are trusted. */
export const OS_RELEASE_FILES = ['etc/os-release', 'usr/lib/os-release', 'etc/alpine-release', 'etc/debian_version', 'etc/redhat-release'] as const;

const FAMILIES = new Set(['debian', 'alpine', 'rhel', 'fedora', 'suse', 'arch', 'wolfi', 'chainguard']);

/** `KEY=value` lines, values optionally quoted with shell-style escapes (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    out[m[1]!] = value;
  }
  return out;
}

function familyOf(id: string, idLike: string | undefined): string {
  if (FAMILIES.has(id)) return id;
  const like = (idLike ?? '').split(/\s+/).filter(Boolean);
  return like.find((l) => FAMILIES.has(l)) ?? like[0] ?? id;
}

/**
 * The OS from the first release file present: os-release (etc, then usr/lib), then the distribution's own
 * files. `read` gives a file's content by path (symlinks already followed), undefined when absent.
 */
export function detectOs(read: (path: string) => string | undefined): OsInfo | undefined {
  for (const path of ['etc/os-release', 'usr/lib/os-release']) {
    const text = read(path);
    if (text === undefined) continue;
    const fields = parseOsRelease(text);
    if (!fields.ID) continue;
    const id = fields.ID.toLowerCase();
    return { id, versionId: fields.VERSION_ID, prettyName: fields.PRETTY_NAME, family: familyOf(id, fields.ID_LIKE?.toLowerCase()) };
  }
  const alpine = read('etc/alpine-release')?.trim();
  if (alpine) return { id: 'alpine', versionId: alpine, prettyName: `Alpine Linux v${alpine}`, family: 'alpine' };
  const debian = read('etc/debian_version')?.trim();
  if (debian) return { id: 'debian', versionId: /^\d+/.test(debian) ? debian.split('.')[0] : undefined, prettyName: `Debian ${debian}`, family: 'debian' };
  const redhat = read('etc/redhat-release')?.trim();
  if (redhat) {
    const version = /release\s+(\d+(?:\.\d+)*)/.exec(redhat)?.[1];
    const id = /^centos/i.test(redhat) ? 'centos' : /^fedora/i.test(redhat) ? 'fedora' : /^rocky/i.test(redhat) ? 'rocky' : /^alma/i.test(redhat) ? 'almalinux' : 'rhel';
    return { id, versionId: version, prettyName: redhat, family: id === 'fedora' ? 'fedora' : 'rhel' };
  }
  return undefined;
}
