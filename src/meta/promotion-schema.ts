/** Promotion gates (#4): one row per gate; which targets it guards is the two patterns. */
export interface PromotionGatesTable {
  id: string;
  project: string;
  /** Repository path inside the project (repo-pattern.ts glob, `**` for all). */
  repository_pattern: string;
  /** Target tag glob (`prod`, `release-*`, `*`). */
  tag_pattern: string;
  kind: string;
  /** JSON object of the gate's settings. */
  params: string;
  created_by: string;
  created_at: number;
}

export interface PromotionDatabase {
  promotion_gates: PromotionGatesTable;
}
