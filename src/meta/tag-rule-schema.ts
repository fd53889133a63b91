/** Tag rules (#4): naming and immutable rules per project, and the project's production protection. */
export interface TagRulesTable {
  id: string;
  project: string;
  /** 'naming' | 'immutable' */
  kind: string;
  /** Unique in the project (refusals name it). */
  name: string;
  /** Repository path inside the project (repo-pattern.ts glob, `**` for all). */
  repository_pattern: string;
  /** JSON object of the rule's settings (naming: mode, conventions, maxLength, forms, pattern; immutable: tags). */
  spec: string;
  created_by: string;
  created_at: number;
}

export interface ProjectTagSettingsTable {
  project: string;
  is_production: number;
  refuse_latest_pull: number;
  updated_at: number;
}

export interface TagRuleDatabase {
  tag_rules: TagRulesTable;
  project_tag_settings: ProjectTagSettingsTable;
}
