import type { PolicyAction, RobotPermission } from '../auth/authorizer.ts';
import type { Grant, Role } from '../auth/policy.ts';
import type { Page, PageResult } from './meta-store.ts';

/**
 * Metadata contracts for identity, access control and audit (issue #3). Ids are opaque strings (UUIDs).
 * Times are epoch milliseconds. Every method is safe to call concurrently; "throws CONFLICT" means a
 * BerthError('CONFLICT') for a unique name already taken.
 */

export interface UserRecord {
  id: string;
  username: string;
  /** argon2id PHC string; never leaves the server. */
  passwordHash: string;
  isAdmin: boolean;
  isDisabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface UserRepo {
  /** Throws CONFLICT when the username exists. */
  create(input: { username: string; passwordHash: string; isAdmin: boolean }): Promise<UserRecord>;
  findByName(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** Ordered by username. */
  list(page: Page): Promise<PageResult<UserRecord>>;
  /** Undefined when the user does not exist. */
  update(id: string, patch: Partial<Pick<UserRecord, 'passwordHash' | 'isAdmin' | 'isDisabled'>>): Promise<UserRecord | undefined>;
  /** Also removes the user's team memberships and project grants. False when absent. */
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface TeamRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface TeamRepo {
  /** Throws CONFLICT when the name exists. */
  create(name: string): Promise<TeamRecord>;
  findByName(name: string): Promise<TeamRecord | undefined>;
  list(page: Page): Promise<PageResult<TeamRecord>>;
  /** Also removes its memberships and grants. False when absent. */
  delete(id: string): Promise<boolean>;
  /** Idempotent. */
  addMember(teamId: string, userId: string): Promise<void>;
  /** False when the user was not a member. */
  removeMember(teamId: string, userId: string): Promise<boolean>;
  /** User ids, ordered. */
  members(teamId: string): Promise<string[]>;
  /** Team ids of a user. */
  teamsOf(userId: string): Promise<string[]>;
}

export interface ProjectRecord {
  name: string;
  isPublic: boolean;
  /** User id of the creator, when a user created it. */
  createdBy: string | null;
  createdAt: number;
}

export interface ProjectRepo {
  /** Throws CONFLICT when it exists. */
  create(input: { name: string; isPublic: boolean; createdBy: string | null }): Promise<ProjectRecord>;
  find(name: string): Promise<ProjectRecord | undefined>;
  list(page: Page): Promise<PageResult<ProjectRecord>>;
  update(name: string, patch: { isPublic?: boolean }): Promise<ProjectRecord | undefined>;
  /** Also removes its grants, robots and IP rules (not its repositories: refuse that in the service). */
  delete(name: string): Promise<boolean>;
}

export interface MemberRecord {
  project: string;
  subjectKind: 'user' | 'team';
  subjectId: string;
  role: Role;
  /** Repository glob inside the project (`**` = whole project). */
  pattern: string;
  createdAt: number;
}

export interface MemberRepo {
  /** Upsert on (project, subjectKind, subjectId, pattern): a second grant with the same pattern replaces the role. */
  grant(member: Omit<MemberRecord, 'createdAt'>): Promise<MemberRecord>;
  /** Removes the grant(s) of a subject in a project: all patterns, or only `pattern`. Returns how many. */
  revoke(project: string, subjectKind: 'user' | 'team', subjectId: string, pattern?: string): Promise<number>;
  listForProject(project: string): Promise<MemberRecord[]>;
  /** Every grant the user holds directly or through `teamIds`, across projects (for the policy). */
  grantsFor(userId: string, teamIds: readonly string[]): Promise<Grant[]>;
}

export interface RobotRecord {
  id: string;
  /** `robot$<project>+<name>` or `robot$<name>`. */
  name: string;
  project: string | null;
  description: string;
  secretHash: string;
  permissions: RobotPermission[];
  expiresAt: number | null;
  isDisabled: boolean;
  createdBy: string | null;
  createdAt: number;
}

export interface RobotRepo {
  /** Throws CONFLICT when the name exists. */
  create(input: Omit<RobotRecord, 'id' | 'createdAt' | 'isDisabled'>): Promise<RobotRecord>;
  findByName(name: string): Promise<RobotRecord | undefined>;
  findById(id: string): Promise<RobotRecord | undefined>;
  /** A project's robots, or system robots when `project` is null; ordered by name. */
  list(project: string | null): Promise<RobotRecord[]>;
  update(id: string, patch: Partial<Pick<RobotRecord, 'secretHash' | 'permissions' | 'expiresAt' | 'isDisabled' | 'description'>>): Promise<RobotRecord | undefined>;
  /** Also removes the robot's IP rules. False when absent. */
  delete(id: string): Promise<boolean>;
}

export type IpRuleScope = 'system' | 'project' | 'robot';

export interface IpRuleRecord {
  id: string;
  scope: IpRuleScope;
  /** Project name or robot id; '' for system rules. */
  scopeId: string;
  effect: 'allow' | 'deny';
  cidr: string;
  createdAt: number;
}

export interface IpRuleRepo {
  add(rule: Omit<IpRuleRecord, 'id' | 'createdAt'>): Promise<IpRuleRecord>;
  remove(id: string): Promise<boolean>;
  /** In the order they were added. */
  list(scope: IpRuleScope, scopeId: string): Promise<IpRuleRecord[]>;
}

/** Small server-wide values (the token signing key, the generated-admin marker). JSON values. */
export interface SettingRepo {
  get<T>(key: string): Promise<T | undefined>;
  /** Stores only if absent; returns the value now stored (so two nodes racing agree on one). */
  putIfAbsent<T>(key: string, value: T): Promise<T>;
  put<T>(key: string, value: T): Promise<void>;
}

export interface AuditEventInput {
  at: number;
  actorKind: 'anonymous' | 'user' | 'robot' | 'system';
  actorName: string;
  sourceIp: string | null;
  /** e.g. auth.login, auth.token, registry.push, registry.pull, registry.delete, tag.move, member.grant, robot.create */
  action: string;
  project: string | null;
  repository: string | null;
  reference: string | null;
  digest: string | null;
  result: 'success' | 'failure' | 'denied';
  detail: Record<string, unknown> | null;
}

export interface AuditEvent extends AuditEventInput {
  /** Monotonic sequence number. */
  seq: number;
  /** Hex sha256 of the previous event's hash and this event's canonical JSON. */
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  /** Inclusive. */
  from?: number;
  /** Exclusive. */
  to?: number;
  actorName?: string;
  project?: string;
  /** Projects the caller may see; undefined = all. */
  projects?: readonly string[];
  action?: string;
  result?: AuditEventInput['result'];
}

export interface AuditRepo {
  /**
   * Appends events in order in one transaction, chaining each to the previous one: the chain head is read and
   * written under a lock so concurrent appenders (other nodes too) never fork the chain.
   */
  append(events: readonly AuditEventInput[], hash: (prevHash: string, event: AuditEventInput) => string): Promise<AuditEvent[]>;
  /** Newest first unless `ascending`; pagination by seq (`afterSeq`). */
  query(filter: AuditFilter, page: { limit: number; afterSeq?: number; ascending?: boolean }): Promise<AuditEvent[]>;
  /** Every event in seq order, for verification and export. */
  scan(fromSeq: number, batch: number): AsyncIterable<AuditEvent>;
  /**
   * Retention: deletes events older than `before`, recording the first kept event's prevHash as the new anchor.
   * Only a prefix of the chain goes: deletion stops at the first event (by seq) at or after `before`. Returns how many.
   */
  deleteBefore(before: number): Promise<number>;
  /** The prevHash the oldest kept event must chain to ('' for a chain never truncated). */
  anchor(): Promise<string>;
}

export interface AlertRecord {
  id: string;
  at: number;
  rule: string;
  principal: string;
  detail: Record<string, unknown>;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}

export interface AlertRepo {
  record(alert: Omit<AlertRecord, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>): Promise<AlertRecord>;
  /** Newest first. */
  list(filter: { since?: number; unacknowledgedOnly?: boolean }, page: { limit: number }): Promise<AlertRecord[]>;
  /** The first acknowledgement stands: false when the alert is absent or already acknowledged. */
  acknowledge(id: string, by: string, at: number): Promise<boolean>;
}

export interface IdentityStore {
  readonly users: UserRepo;
  readonly teams: TeamRepo;
  readonly projects: ProjectRepo;
  readonly members: MemberRepo;
  readonly robots: RobotRepo;
  readonly ipRules: IpRuleRepo;
  readonly settings: SettingRepo;
  readonly audit: AuditRepo;
  readonly alerts: AlertRepo;
}

export type { PolicyAction };
