/** Tables of the trust policy (#7, migration 0010_trust_policies). Times are epoch ms. */
export interface TrustPoliciesTable {
  project: string;
  /** 'off' | 'audit' | 'warn' | 'enforce'. */
  mode: string;
  /** JSON of the policy body (keys, keyless identities and roots, required attestations). */
  policy: string;
  updated_by: string | null;
  updated_at: number;
}

export interface TrustDatabase {
  trust_policies: TrustPoliciesTable;
}
