/**
 * Tables of the identity, access-control and audit metadata (migration 0002_identity). Flags are integers
 * 0/1 (SQLite has no boolean and better-sqlite3 binds none); JSON values are text; times are epoch ms.
 */
export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  is_admin: number;
  is_disabled: number;
  created_at: number;
  updated_at: number;
}

export interface TeamsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
}

export interface ProjectsTable {
  name: string;
  is_public: number;
  created_by: string | null;
  created_at: number;
}

/** Grants: `subject_id` is a user or team id, per `subject_kind` (so no foreign key; the repos cascade). */
export interface ProjectMembersTable {
  project: string;
  subject_kind: 'user' | 'team';
  subject_id: string;
  role: string;
  pattern: string;
  created_at: number;
}

export interface RobotsTable {
  id: string;
  name: string;
  project: string | null;
  description: string;
  secret_hash: string;
  /** JSON array of RobotPermission. */
  permissions: string;
  expires_at: number | null;
  is_disabled: number;
  created_by: string | null;
  created_at: number;
}

export interface IpRulesTable {
  id: string;
  scope: 'system' | 'project' | 'robot';
  scope_id: string;
  effect: 'allow' | 'deny';
  cidr: string;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: number;
}

export interface AuditEventsTable {
  seq: number;
  at: number;
  actor_kind: string;
  actor_name: string;
  source_ip: string | null;
  action: string;
  project: string | null;
  repository: string | null;
  reference: string | null;
  digest: string | null;
  result: string;
  /** JSON object or null. */
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The one row (id 1) appenders lock: the last event's seq and hash, and the anchor the oldest kept event
 * chains to after retention. Locking it (not the events table) serializes appenders on every node.
 */
export interface AuditChainTable {
  id: number;
  head_seq: number;
  head_hash: string;
  anchor: string;
}

export interface AlertsTable {
  id: string;
  at: number;
  rule: string;
  principal: string;
  /** JSON object. */
  detail: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

export interface IdentityDatabase {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  robots: RobotsTable;
  ip_rules: IpRulesTable;
  settings: SettingsTable;
  audit_events: AuditEventsTable;
  audit_chain: AuditChainTable;
  alerts: AlertsTable;
}
