import type { Kysely } from 'kysely';
import { orderedId } from './identity-rows.ts';
import type { IpRuleRecord, IpRuleRepo, IpRuleScope } from './identity-store.ts';
import type { Database } from './schema.ts';

export class IpRuleRepoImpl implements IpRuleRepo {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async add(rule: Omit<IpRuleRecord, 'id' | 'createdAt'>): Promise<IpRuleRecord> {
    const record: IpRuleRecord = { id: orderedId(), scope: rule.scope, scopeId: rule.scopeId, effect: rule.effect, cidr: rule.cidr, createdAt: this.now() };
    await this.db
      .insertInto('ip_rules')
      .values({ id: record.id, scope: record.scope, scope_id: record.scopeId, effect: record.effect, cidr: record.cidr, created_at: record.createdAt })
      .execute();
    return record;
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('ip_rules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(scope: IpRuleScope, scopeId: string): Promise<IpRuleRecord[]> {
    const rows = await this.db
      .selectFrom('ip_rules')
      .selectAll()
      .where('scope', '=', scope)
      .where('scope_id', '=', scopeId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, scope: r.scope, scopeId: r.scope_id, effect: r.effect, cidr: r.cidr, createdAt: Number(r.created_at) }));
  }
}
