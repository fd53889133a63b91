import { z } from 'zod';
import { hashPassword, verifyPassword, type PasswordHash } from '../auth/password.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { UserRecord, UserRepo } from '../meta/identity-store.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import { fromStorePage, storePage, type ListQuery, type Paged } from './list-page.ts';
import { Name, parseInput, Password, unknown } from './validate.ts';

export const CreateUserBody = z.strictObject({
  username: Name,
  password: Password,
  isAdmin: z.boolean().default(false),
});

export const UpdateUserBody = z.strictObject({
  password: Password.optional(),
  isAdmin: z.boolean().optional(),
  isDisabled: z.boolean().optional(),
});

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: Password,
});

/** A user as the API shows it: never the password hash. */
export const UserView = z.object({
  username: z.string(),
  isAdmin: z.boolean(),
  isDisabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserView = z.infer<typeof UserView>;

const toView = (u: UserRecord): UserView => ({
  username: u.username,
  isAdmin: u.isAdmin,
  isDisabled: u.isDisabled,
  createdAt: isoTime(u.createdAt),
  updatedAt: isoTime(u.updatedAt),
});

/** Local user accounts. Every method is safe to call concurrently; errors are BerthErrors. */
export class UserService {
  constructor(private readonly deps: {
    users: Pick<UserRepo, 'create' | 'findByName' | 'list' | 'update' | 'delete'>;
    fx: ChangeEffects;
  }) {}

  /** Ordered by username. */
  async list(query: ListQuery): Promise<Paged<UserView>> {
    return fromStorePage(await this.deps.users.list(storePage(query)), (u) => u.username, toView);
  }

  /** Throws RESOURCE_UNKNOWN. */
  async get(username: string): Promise<UserView> {
    return toView(await this.find(username));
  }

  /** Throws BAD_REQUEST for invalid input, CONFLICT when the username is taken. */
  async create(actor: Actor, raw: unknown): Promise<UserView> {
    const input = parseInput(CreateUserBody, raw);
    const passwordHash = await hashPassword(input.password);
    const user = await this.deps.users.create({ username: input.username, passwordHash, isAdmin: input.isAdmin });
    afterChange(this.deps.fx, actor, { action: 'user.create', detail: { username: user.username, isAdmin: user.isAdmin } });
    return toView(user);
  }

  /**
   * Changes password, admin flag or disabled flag. Throws RESOURCE_UNKNOWN, BAD_REQUEST, and CONFLICT when an
   * admin would take their own admin rights away or disable themselves (locking the last admin out).
   */
  async update(actor: Actor, username: string, raw: unknown): Promise<UserView> {
    const input = parseInput(UpdateUserBody, raw);
    const user = await this.find(username);
    if (user.id === actor.userId && (input.isAdmin === false || input.isDisabled === true)) {
      throw new BerthError('CONFLICT', { message: 'you cannot remove your own admin rights or disable your own account', detail: { username } });
    }
    const patch: Parameters<UserRepo['update']>[1] = {
      ...(input.password !== undefined ? { passwordHash: await hashPassword(input.password) } : {}),
      ...(input.isAdmin !== undefined ? { isAdmin: input.isAdmin } : {}),
      ...(input.isDisabled !== undefined ? { isDisabled: input.isDisabled } : {}),
    };
    const updated = await this.deps.users.update(user.id, patch);
    if (!updated) throw unknown('user', username);
    const changed = { ...(input.password !== undefined ? { password: true } : {}), ...(input.isAdmin !== undefined ? { isAdmin: input.isAdmin } : {}), ...(input.isDisabled !== undefined ? { isDisabled: input.isDisabled } : {}) };
    afterChange(this.deps.fx, actor, { action: 'user.update', detail: { username, ...changed }, forget: [username] });
    return toView(updated);
  }

  /** Removes the account with its team memberships and grants. Throws RESOURCE_UNKNOWN; CONFLICT for yourself. */
  async delete(actor: Actor, username: string): Promise<void> {
    const user = await this.find(username);
    if (user.id === actor.userId) throw new BerthError('CONFLICT', { message: 'you cannot delete your own account', detail: { username } });
    if (!(await this.deps.users.delete(user.id))) throw unknown('user', username);
    afterChange(this.deps.fx, actor, { action: 'user.delete', detail: { username }, forget: [username] });
  }

  /** The caller's own password. Throws DENIED when `currentPassword` is wrong, BAD_REQUEST for a weak new one. */
  async changeOwnPassword(actor: Actor, raw: unknown): Promise<void> {
    const input = parseInput(ChangePasswordBody, raw);
    const user = await this.find(actor.name);
    if (!(await verifyPassword(user.passwordHash as PasswordHash, input.currentPassword))) {
      throw new BerthError('DENIED', { message: 'the current password is wrong' });
    }
    await this.deps.users.update(user.id, { passwordHash: await hashPassword(input.newPassword) });
    afterChange(this.deps.fx, actor, { action: 'user.update', detail: { username: user.username, password: true }, forget: [user.username] });
  }

  private async find(username: string): Promise<UserRecord> {
    const user = await this.deps.users.findByName(username);
    if (!user) throw unknown('user', username);
    return user;
  }
}
