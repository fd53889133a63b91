import type { Kysely, Selectable } from 'kysely';
import type { RobotPermission } from '../auth/authorizer.ts';
import type { RobotRecord, RobotRepo } from './identity-store.ts';
import { flag, insertedOrConflict, orderedId } from './identity-rows.ts';
import type { RobotsTable } from './identity-schema.ts';
import type { Database } from './schema.ts';

type RobotPatch = Partial<Pick<RobotRecord, 'secretHash' | 'permissions' | 'expiresAt' | 'isDisabled' | 'description'>>;

const toRobot = (row: Selectable<RobotsTable>): RobotRecord => ({
  id: row.id,
  name: row.name,
  project: row.project,
  description: row.description,
  secretHash: row.secret_hash,
  permissions: JSON.parse(row.permissions) as RobotPermission[],
  expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  isDisabled: row.is_disabled === 1,
  createdBy: row.created_by,
  createdAt: Number(row.created_at),
});

export class RobotRepoImpl implements RobotRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async create(input: Omit<RobotRecord, 'id' | 'createdAt' | 'isDisabled'>): Promise<RobotRecord> {
    const row = {
      id: orderedId(),
      name: input.name,
      project: input.project,
      description: input.description,
      secret_hash: input.secretHash,
      permissions: JSON.stringify(input.permissions),
      expires_at: input.expiresAt,
      is_disabled: 0,
      created_by: input.createdBy,
      created_at: this.now(),
    };
    const result = await this.db.insertInto('robots').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    insertedOrConflict(result, { robot: input.name });
    return toRobot(row);
  }

  async findByName(name: string): Promise<RobotRecord | undefined> {
    const row = await this.db.selectFrom('robots').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRobot(row);
  }

  async findById(id: string): Promise<RobotRecord | undefined> {
    const row = await this.db.selectFrom('robots').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRobot(row);
  }

  async list(project: string | null): Promise<RobotRecord[]> {
    const q = this.db.selectFrom('robots').selectAll();
    const rows = await (project === null ? q.where('project', 'is', null) : q.where('project', '=', project)).orderBy('name').execute();
    return rows.map(toRobot);
  }

  async update(id: string, patch: RobotPatch): Promise<RobotRecord | undefined> {
    const set = {
      ...(patch.secretHash !== undefined ? { secret_hash: patch.secretHash } : {}),
      ...(patch.permissions !== undefined ? { permissions: JSON.stringify(patch.permissions) } : {}),
      ...(patch.expiresAt !== undefined ? { expires_at: patch.expiresAt } : {}),
      ...(patch.isDisabled !== undefined ? { is_disabled: flag(patch.isDisabled) } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    };
    if (Object.keys(set).length === 0) return this.findById(id);
    const row = await this.db.updateTable('robots').set(set).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toRobot(row);
  }

  async delete(id: string): Promise<boolean> {
    // IP rules name their robot without a foreign key.
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('ip_rules').where('scope', '=', 'robot').where('scope_id', '=', id).execute();
      const result = await trx.deleteFrom('robots').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
