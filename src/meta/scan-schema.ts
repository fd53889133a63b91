/** Registry scanning tables (#5, migration 0009). Times are epoch milliseconds. */

/** One scan result per image manifest digest. */
export interface ScanResultsTable {
  digest: string;
  /** JSON of the scan's Inventory (src/scan/inventory/inventory.ts), re-matched when the advisories change. */
  inventory: string;
  /** JSON array of VulnerabilityFinding. */
  findings: string;
  /** The matcher revision the findings were computed from. */
  revision: string;
  /** 'none' | 'low' | 'medium' | 'high' | 'critical' ('none' also when there are no findings). */
  worst_severity: string;
  finding_count: number;
  /** When the layers were read. */
  scanned_at: number;
  /** When the findings were last computed (a re-match moves this, not scanned_at). */
  matched_at: number;
}

/** Every id and alias a result's findings carry. */
export interface ScanVulnerabilityIdsTable {
  digest: string;
  vulnerability_id: string;
}

export interface ScanJobsTable {
  /** `kind:digest`: a job is queued at most once. */
  job_key: string;
  kind: string;
  repository: string;
  digest: string;
  /** Lower runs first. */
  priority: number;
  requested_at: number;
}

export interface ScanPoliciesTable {
  project: string;
  /** JSON of the project's scan settings and vulnerability pull policy. */
  policy: string;
  updated_at: number;
}

export interface ScanExceptionsTable {
  id: string;
  project: string;
  vulnerability_id: string;
  /** Null: every repository of the project. */
  repository: string | null;
  /** Null: every image of the repository (or project). */
  digest: string | null;
  owner: string;
  justification: string;
  expires_at: number;
  created_by: string;
  created_at: number;
}

export interface ScanDatabase {
  scan_results: ScanResultsTable;
  scan_vulnerability_ids: ScanVulnerabilityIdsTable;
  scan_jobs: ScanJobsTable;
  scan_policies: ScanPoliciesTable;
  scan_exceptions: ScanExceptionsTable;
}
