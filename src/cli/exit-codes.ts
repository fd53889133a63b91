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
} as const;
