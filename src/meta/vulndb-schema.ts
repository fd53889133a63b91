/** Tables of the vulnerability database (#5, migration 0008). Times are epoch milliseconds. */

/** One OSV record as imported, keyed by its id. */
export interface VulnAdvisoriesTable {
  id: string;
  /** The feed it came from: the base of its first affected ecosystem (`Debian`, `npm`), or `unknown`. */
  source: string;
  /** The record's `modified` (RFC 3339), compared as text: OSV writes UTC `Z` times. */
  modified: string;
  withdrawn: string | null;
  /** The record's JSON exactly as validated. */
  record: string;
  imported_at: number;
}

/** One (ecosystem base lower-cased, normalised package name) an advisory names. */
export interface VulnAffectedTable {
  advisory_id: string;
  ecosystem: string;
  package: string;
}

export interface VulnAliasesTable {
  alias: string;
  advisory_id: string;
}

/** Freshness per source. */
export interface VulnSourcesTable {
  name: string;
  record_count: number;
  withdrawn_count: number;
  /** The newest `modified` seen from this source: where an incremental sync resumes. */
  modified_watermark: string | null;
  last_import_at: number | null;
  last_sync_at: number | null;
}

/** Small key/value state: `revision`. */
export interface VulnStateTable {
  key: string;
  value: string;
}

export interface VulnDbDatabase {
  vuln_advisories: VulnAdvisoriesTable;
  vuln_affected: VulnAffectedTable;
  vuln_aliases: VulnAliasesTable;
  vuln_sources: VulnSourcesTable;
  vuln_state: VulnStateTable;
}
