import { BerthError } from '../errors/berth-error.ts';

/**
 * Repository globs for grants and robot permissions. A pattern is `/`-separated components, each either
 * `**` (any number of components, including none) or name characters where `*` stands for any run of
 * characters inside one component: `*` is one whole component, `web-*` one component starting with `web-`.
 * Matching is over whole components; nothing matches across a `/` except `**`.
 */
export type RepoPattern = { readonly source: string; readonly components: readonly ComponentMatcher[] } & { readonly __brand: 'RepoPattern' };

type ComponentMatcher = '**' | RegExp;

export const MAX_PATTERN_LENGTH = 255;
const COMPONENT_RE = /^[a-z0-9._*-]+$/;

function invalid(raw: string, why: string): BerthError {
  return new BerthError('BAD_REQUEST', { message: `invalid repository pattern: ${why}`, detail: { pattern: raw.slice(0, 300) } });
}

/** Compiles a pattern. Throws BerthError('BAD_REQUEST') for an empty component, `**` mixed with other characters, or characters no repository name has. Pure. */
export function parseRepoPattern(raw: string): RepoPattern {
  if (raw.length === 0 || raw.length > MAX_PATTERN_LENGTH) throw invalid(raw, `must be 1..${MAX_PATTERN_LENGTH} characters`);
  const components = raw.split('/').map((c): ComponentMatcher => {
    if (c === '**') return '**';
    if (!COMPONENT_RE.test(c)) throw invalid(raw, 'components must be ** or [a-z0-9._-] with * wildcards');
    if (c.includes('**')) throw invalid(raw, '** must be a whole component');
    return new RegExp(`^${c.replace(/[.*]/g, (ch) => (ch === '*' ? '[^/]*' : '\\.'))}$`);
  });
  return { source: raw, components } as unknown as RepoPattern;
}

/** Whether `path` (`/`-separated components; '' for none) matches. Pure; O(pattern components x path components). */
export function matchesRepoPattern(pattern: RepoPattern, path: string): boolean {
  const parts = path === '' ? [] : path.split('/');
  const p = pattern.components;
  // reachable[j]: the pattern prefix consumed so far can end right before parts[j].
  let reachable = parts.map(() => false).concat(false);
  reachable[0] = true;
  for (const matcher of p) {
    const next = parts.map(() => false).concat(false);
    for (let j = 0; j <= parts.length; j++) {
      if (!reachable[j]) continue;
      if (matcher === '**') {
        for (let k = j; k <= parts.length; k++) next[k] = true;
        break;
      }
      if (j < parts.length && matcher.test(parts[j] as string)) next[j + 1] = true;
    }
    reachable = next;
  }
  return reachable[parts.length] === true;
}

const compiled = new Map<string, RepoPattern | null>();
const COMPILED_MAX = 1024;

/**
 * Like parseRepoPattern + matchesRepoPattern for patterns read from storage: compiled patterns are memoized
 * (bounded), and an invalid stored pattern matches nothing instead of throwing. Safe to call concurrently.
 */
export function storedPatternMatches(raw: string, path: string): boolean {
  let pattern = compiled.get(raw);
  if (pattern === undefined) {
    try {
      pattern = parseRepoPattern(raw);
    } catch {
      pattern = null;
    }
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(raw, pattern);
  }
  return pattern !== null && matchesRepoPattern(pattern, path);
}
