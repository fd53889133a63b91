import { z } from 'zod';
import type { PolicyAction, RobotPermission } from '../auth/authorizer.ts';
import { MAX_USERNAME_LENGTH } from '../auth/credentials.ts';
import { generateSecret, hashPassword } from '../auth/password.ts';
import { parseRepoPattern } from '../auth/repo-pattern.ts';
import type { RobotRecord, RobotRepo } from '../meta/identity-store.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import { pageArray, type ListQuery, type Paged } from './list-page.ts';
import { badField, Name, parseInput, Timestamp, toEpochMs, unknown } from './validate.ts';

const POLICY_ACTIONS = ['pull', 'push', 'delete', 'catalog', 'manage-tag-rules', 'manage-retention', 'manage-members', 'manage-settings', 'manage-robots'] as const satisfies readonly PolicyAction[];

const Permission = z.strictObject({
  pattern: z.string().min(1).max(255),
  actions: z.array(z.enum(POLICY_ACTIONS)).min(1).max(POLICY_ACTIONS.length),
});

export const CreateRobotBody = z.strictObject({
  name: Name,
  description: z.string().max(1000).default(''),
  permissions: z.array(Permission).min(1).max(100),
  expiresAt: Timestamp.nullable().default(null),
});

export const UpdateRobotBody = z.strictObject({
  isDisabled: z.boolean().optional(),
  expiresAt: Timestamp.nullable().optional(),
  permissions: z.array(Permission).min(1).max(100).optional(),
  description: z.string().max(1000).optional(),
});

export const RobotView = z.object({
  name: z.string(),
  project: z.string().nullable(),
  description: z.string(),
  permissions: z.array(z.object({ pattern: z.string(), actions: z.array(z.string()) })),
  expiresAt: z.string().nullable(),
  isDisabled: z.boolean(),
  createdAt: z.string(),
});
export type RobotView = z.infer<typeof RobotView>;

/** A robot with its secret: only in the answer that created or regenerated the secret. */
export const RobotWithSecretView = RobotView.extend({ secret: z.string() });
export type RobotWithSecretView = z.infer<typeof RobotWithSecretView>;

const toView = (r: RobotRecord): RobotView => ({
  name: r.name,
  project: r.project,
  description: r.description,
  permissions: r.permissions.map((p) => ({ pattern: p.pattern, actions: [...p.actions] })),
  expiresAt: r.expiresAt === null ? null : isoTime(r.expiresAt),
  isDisabled: r.isDisabled,
  createdAt: isoTime(r.createdAt),
});

/** The full robot name: `robot$<project>+<name>` or `robot$<name>` for a system robot. Pure. */
export function robotName(project: string | null, name: string): string {
  return project === null ? `robot$${name}` : `robot$${project}+${name}`;
}

/**
 * Machine identities. The secret is generated here, returned once (on creation or regeneration) and stored only
 * as an argon2 hash. Safe concurrently; errors are BerthErrors.
 */
export class RobotService {
  constructor(private readonly deps: {
    robots: Pick<RobotRepo, 'create' | 'findByName' | 'list' | 'update' | 'delete'>;
    fx: ChangeEffects;
  }) {}

  /** A project's robots (`project` null: system robots), ordered by name. */
  async list(project: string | null, query: ListQuery): Promise<Paged<RobotView>> {
    return pageArray((await this.deps.robots.list(project)).map(toView), (r) => r.name, query);
  }

  /** The stored robot or undefined; for access checks (which project it belongs to). */
  find(name: string): Promise<RobotRecord | undefined> {
    return this.deps.robots.findByName(name);
  }

  /**
   * Creates a project robot (`project` set) or a system robot. A project robot's patterns must name its project
   * as their first component and it may not hold `catalog`. Throws BAD_REQUEST, CONFLICT when the name exists.
   */
  async create(actor: Actor, project: string | null, raw: unknown): Promise<RobotWithSecretView> {
    const input = parseInput(CreateRobotBody, raw);
    const name = robotName(project, input.name);
    if (name.length > MAX_USERNAME_LENGTH) throw badField('body.name', 'the robot name is too long');
    const permissions = checkPermissions(project, input.permissions);
    const secret = generateSecret();
    const robot = await this.deps.robots.create({
      name,
      project,
      description: input.description,
      secretHash: await hashPassword(secret),
      permissions,
      expiresAt: input.expiresAt === null ? null : toEpochMs(input.expiresAt),
      createdBy: actor.userId,
    });
    afterChange(this.deps.fx, actor, { action: 'robot.create', project, detail: { robot: name, permissions } });
    return { ...toView(robot), secret };
  }

  /** Throws RESOURCE_UNKNOWN, BAD_REQUEST. */
  async update(actor: Actor, name: string, raw: unknown): Promise<RobotView> {
    const input = parseInput(UpdateRobotBody, raw);
    const robot = await this.get(name);
    const permissions = input.permissions === undefined ? undefined : checkPermissions(robot.project, input.permissions);
    const updated = await this.deps.robots.update(robot.id, {
      ...(input.isDisabled !== undefined ? { isDisabled: input.isDisabled } : {}),
      ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt === null ? null : toEpochMs(input.expiresAt) } : {}),
      ...(permissions !== undefined ? { permissions } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    });
    if (!updated) throw unknown('robot', name);
    const changed = Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined);
    afterChange(this.deps.fx, actor, { action: 'robot.update', project: robot.project, detail: { robot: name, changed }, forget: [name] });
    return toView(updated);
  }

  /** Removes the robot and its IP rules. Throws RESOURCE_UNKNOWN. */
  async delete(actor: Actor, name: string): Promise<void> {
    const robot = await this.get(name);
    if (!(await this.deps.robots.delete(robot.id))) throw unknown('robot', name);
    afterChange(this.deps.fx, actor, { action: 'robot.delete', project: robot.project, detail: { robot: name }, forget: [name] });
  }

  /** Replaces the secret; the old one stops working at once (in this process). Throws RESOURCE_UNKNOWN. */
  async regenerateSecret(actor: Actor, name: string): Promise<RobotWithSecretView> {
    const robot = await this.get(name);
    const secret = generateSecret();
    const updated = await this.deps.robots.update(robot.id, { secretHash: await hashPassword(secret) });
    if (!updated) throw unknown('robot', name);
    afterChange(this.deps.fx, actor, { action: 'robot.secret', project: robot.project, detail: { robot: name }, forget: [name] });
    return { ...toView(updated), secret };
  }

  /** Throws RESOURCE_UNKNOWN. */
  async get(name: string): Promise<RobotRecord> {
    const robot = await this.deps.robots.findByName(name);
    if (!robot) throw unknown('robot', name);
    return robot;
  }
}

function checkPermissions(project: string | null, permissions: readonly { pattern: string; actions: PolicyAction[] }[]): RobotPermission[] {
  return permissions.map((p, i) => {
    const field = `body.permissions.${i}`;
    try {
      parseRepoPattern(p.pattern);
    } catch (err) {
      throw badField(`${field}.pattern`, (err as Error).message);
    }
    if (project !== null) {
      if (p.pattern.split('/')[0] !== project) throw badField(`${field}.pattern`, `a project robot's pattern must start with its project "${project}"`);
      if (p.actions.includes('catalog')) throw badField(`${field}.actions`, 'only system robots may list the catalog');
    }
    return { pattern: p.pattern, actions: [...new Set(p.actions)] };
  });
}
