/** One `WWW-Authenticate` challenge: its scheme (lower-cased) and parameters. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235) into its challenges. Quoted values keep their commas, which
 * matters for Docker scopes like `repository:a/b:pull,push`.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const re = /\s*(?:([A-Za-z][\w-]*)\s+)?([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?|\s*([A-Za-z][\w-]*)\s*(?:,|$)/gy;
  let current: AuthChallenge | undefined;
  let m: RegExpExecArray | null;
  while (re.lastIndex < header.length && (m = re.exec(header)) !== null) {
    if (m[0] === '') break;
    if (m[5] !== undefined) {
      current = { scheme: m[5].toLowerCase(), params: {} };
      challenges.push(current);
      continue;
    }
    if (m[1] !== undefined) {
      current = { scheme: m[1].toLowerCase(), params: {} };
      challenges.push(current);
    }
    if (current) current.params[m[2]!.toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4]!;
  }
  return challenges;
}
