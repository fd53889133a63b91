/**
 * Retention and GC tables (migration 0007_retention_gc). `job_leases`: one row per exclusive job (`gc`,
 * `retention:<project>`), held by `holder` until `expires_at` (epoch ms). `retention_policies`: one project's
 * rules as JSON (the service owns their shape).
 */
export interface JobLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface RetentionPoliciesTable {
  project: string;
  rules: string;
  updated_by: string;
  updated_at: number;
}

export interface RetentionGcDatabase {
  job_leases: JobLeasesTable;
  retention_policies: RetentionPoliciesTable;
}
