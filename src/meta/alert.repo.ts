import type { Kysely, Selectable } from 'kysely';
import { orderedId } from './identity-rows.ts';
import type { AlertRecord, AlertRepo } from './identity-store.ts';
import type { AlertsTable } from './identity-schema.ts';
import type { Database } from './schema.ts';

const toAlert = (row: Selectable<AlertsTable>): AlertRecord => ({
  id: row.id,
  at: Number(row.at),
  rule: row.rule,
  principal: row.principal,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
  acknowledgedAt: row.acknowledged_at === null ? null : Number(row.acknowledged_at),
  acknowledgedBy: row.acknowledged_by,
});

export class AlertRepoImpl implements AlertRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async record(alert: Omit<AlertRecord, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>): Promise<AlertRecord> {
    const record: AlertRecord = { id: orderedId(), at: alert.at, rule: alert.rule, principal: alert.principal, detail: alert.detail, acknowledgedAt: null, acknowledgedBy: null };
    await this.db
      .insertInto('alerts')
      .values({ id: record.id, at: record.at, rule: record.rule, principal: record.principal, detail: JSON.stringify(record.detail), acknowledged_at: null, acknowledged_by: null })
      .execute();
    return record;
  }

  async list(filter: { since?: number; unacknowledgedOnly?: boolean }, page: { limit: number }): Promise<AlertRecord[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    if (filter.unacknowledgedOnly) q = q.where('acknowledged_at', 'is', null);
    const rows = await q.orderBy('at', 'desc').orderBy('id').limit(page.limit).execute();
    return rows.map(toAlert);
  }

  async acknowledge(id: string, by: string, at: number): Promise<boolean> {
    // The first acknowledgement stands: who saw it first is what the record is for.
    const result = await this.db
      .updateTable('alerts')
      .set({ acknowledged_at: at, acknowledged_by: by })
      .where('id', '=', id)
      .where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
