import semver from 'semver';

/**
 * What a tag name says about the image it points at, and the order "by version" that follows from it. Pure: no
 * I/O, no clock. The channel list comes from the config (`tags.channels`).
 */

export const TAG_KINDS = ['semver', 'git-sha', 'channel', 'date', 'latest', 'other'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export const DEFAULT_CHANNELS: readonly string[] = Object.freeze(['dev', 'test', 'staging', 'prod']);

/** A git commit hash, abbreviated (7) or whole (40), lowercase hex. */
const GIT_SHA_RE = /^[0-9a-f]{7,40}$/;
/** 2026-11-28, 2026.11.28, 20261128, optionally followed by a time: 2026-11-28-1530, 20261128T153000, 2026-11-28.153000. */
const DATE_RE = /^(\d{4})([-.]?)(\d{2})\2(\d{2})(?:[-.T_]?(\d{2})(\d{2})(\d{2})?)?$/;

/** The SemVer 2.0 version a tag names (`1.2.3`, `v1.2.3-rc.1`), normalized without the `v`; else undefined. */
export function semverOf(tag: string): string | undefined {
  if (!/^v?\d/.test(tag)) return undefined;
  return semver.valid(tag) ?? undefined;
}

/** A sortable `YYYYMMDDhhmmss` for a tag naming a real calendar date (and time); else undefined. */
export function dateKeyOf(tag: string): string | undefined {
  const m = DATE_RE.exec(tag);
  if (!m) return undefined;
  const [, y, , mo, d, hh = '00', mm = '00', ss = '00'] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  if (year < 1970 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return undefined;
  return `${y}${mo}${d}${hh}${mm}${ss}`;
}

/**
 * The kind of `tag`, first match wins: `latest`; a channel of `channels`; a calendar date; a SemVer 2.0 version
 * with or without `v`; a git commit hash (7-40 hex); else `other`. `2026.11.28` is valid SemVer and `20261128`
 * valid hex: both count as dates.
 */
export function classifyTag(tag: string, channels: readonly string[] = DEFAULT_CHANNELS): TagKind {
  if (tag === 'latest') return 'latest';
  if (channels.includes(tag)) return 'channel';
  if (dateKeyOf(tag) !== undefined) return 'date';
  if (semverOf(tag) !== undefined) return 'semver';
  if (GIT_SHA_RE.test(tag)) return 'git-sha';
  return 'other';
}

/** One tag as listings sort it. */
export interface SortableTag {
  name: string;
  /** When the tag last moved (epoch ms). */
  pushedAt: number;
}

export const TAG_SORTS = ['version', 'pushed', 'name'] as const;
export type TagSort = (typeof TAG_SORTS)[number];

/** Kinds in the order `version` lists them. */
const VERSION_GROUPS: readonly TagKind[] = ['semver', 'date', 'channel', 'latest', 'git-sha', 'other'];

const byName = (a: SortableTag, b: SortableTag): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byPushed = (a: SortableTag, b: SortableTag): number => b.pushedAt - a.pushedAt || byName(a, b);

/**
 * A comparator for `sort`:
 * - `name`: bytewise ascending;
 * - `pushed`: most recently pushed first (name breaks ties);
 * - `version`: semantic versions highest first by SemVer 2.0 precedence (`1.0.0` > `1.0.0-rc.10` > `1.0.0-rc.2`,
 *   `v1.2.3` and `1.2.3` side by side), then dates newest first, then channels in their configured order, then
 *   `latest`, then git hashes most recently pushed first, then the rest by name.
 * Total and deterministic: equal elements only for equal names.
 */
export function tagComparator(sort: TagSort, channels: readonly string[] = DEFAULT_CHANNELS): (a: SortableTag, b: SortableTag) => number {
  if (sort === 'name') return byName;
  if (sort === 'pushed') return byPushed;
  const keyed = new Map<string, { group: number; kind: TagKind }>();
  const keyOf = (t: SortableTag) => {
    let key = keyed.get(t.name);
    if (!key) {
      const kind = classifyTag(t.name, channels);
      key = { group: VERSION_GROUPS.indexOf(kind), kind };
      keyed.set(t.name, key);
    }
    return key;
  };
  return (a, b) => {
    const ka = keyOf(a), kb = keyOf(b);
    if (ka.group !== kb.group) return ka.group - kb.group;
    switch (ka.kind) {
      case 'semver':
        return semver.rcompare(semverOf(a.name)!, semverOf(b.name)!) || byName(a, b);
      case 'date': {
        const da = dateKeyOf(a.name)!, db = dateKeyOf(b.name)!;
        return da < db ? 1 : da > db ? -1 : byName(a, b);
      }
      case 'channel':
        return channels.indexOf(a.name) - channels.indexOf(b.name);
      case 'git-sha':
        return byPushed(a, b);
      default:
        return byName(a, b);
    }
  };
}

/** `tags` sorted (a new array). */
export function sortTags<T extends SortableTag>(tags: readonly T[], sort: TagSort, channels?: readonly string[]): T[] {
  return [...tags].sort(tagComparator(sort, channels));
}
