/** Exit codes shared by every command; each command's --help lists the ones it uses. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** Bad usage or configuration. */
  CONFIG: 2,
  /** The server (or another registry) could not be reached or could not start. */
  UNAVAILABLE: 3,
  /** Authentication failed or access was denied. */
  DENIED: 4,
  /** The named repository, tag or digest does not exist. */
  NOT_FOUND: 5,
  /** A command that keeps 1 for its verdict (`berth scan --fail-on`) failed in some other way. */
  ERROR: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const CLIENT_MEANINGS: Record<ExitCode, string> = {
  [EXIT.OK]: 'success',
  [EXIT.FAILURE]: 'the registry refused the request or answered unexpectedly',
  [EXIT.CONFIG]: 'bad usage: invalid reference or option, no server configured',
  [EXIT.UNAVAILABLE]: 'the registry could not be reached (connection refused, DNS, 502/503/504)',
  [EXIT.DENIED]: 'authentication failed or access was denied (401/403)',
  [EXIT.NOT_FOUND]: 'the repository, tag or digest does not exist (404)',
  [EXIT.ERROR]: 'the command failed otherwise (the image could not be read, the server answered unexpectedly)',
};

/** The "Exit codes:" section of a client command's --help, listing `codes` with their meaning. */
export function exitCodesHelp(codes: readonly ExitCode[], meanings: Partial<Record<ExitCode, string>> = {}): string {
  const lines = codes.map((code) => `  ${code}  ${meanings[code] ?? CLIENT_MEANINGS[code]}`);
  return `\nExit codes:\n${lines.join('\n')}`;
}
