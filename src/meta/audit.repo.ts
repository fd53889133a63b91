import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DialectName } from './dialects/dialect.ts';
import type { AuditEvent, AuditEventInput, AuditFilter, AuditRepo } from './identity-store.ts';
import type { AuditEventsTable } from './identity-schema.ts';
import type { Database } from './schema.ts';

/** Rows per insert statement: 14 parameters each stays far below both engines' bound-parameter limits. */
const INSERT_CHUNK = 500;

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actorKind: row.actor_kind as AuditEvent['actorKind'],
    actorName: row.actor_name,
    sourceIp: row.source_ip,
    action: row.action,
    project: row.project,
    repository: row.repository,
    reference: row.reference,
    digest: row.digest,
    result: row.result as AuditEvent['result'],
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toRow(e: AuditEvent): AuditEventsTable {
  return {
    seq: e.seq,
    at: e.at,
    actor_kind: e.actorKind,
    actor_name: e.actorName,
    source_ip: e.sourceIp,
    action: e.action,
    project: e.project,
    repository: e.repository,
    reference: e.reference,
    digest: e.digest,
    result: e.result,
    detail: e.detail === null ? null : JSON.stringify(e.detail),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export class AuditRepoImpl implements AuditRepo {
  constructor(private readonly db: Kysely<Database>, private readonly dialect: DialectName) {}

  /**
   * Reads the chain head for writing. SQLite transactions here begin immediate (the write lock is held from
   * the start); PostgreSQL needs the row lock, which other nodes' appenders wait on until this one commits.
   */
  private async lockHead(trx: Transaction<Database>): Promise<{ head_seq: number; head_hash: string; anchor: string }> {
    const q = trx.selectFrom('audit_chain').select(['head_seq', 'head_hash', 'anchor']).where('id', '=', 1);
    const head = await (this.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow();
    return { head_seq: Number(head.head_seq), head_hash: head.head_hash, anchor: head.anchor };
  }

  async append(events: readonly AuditEventInput[], hash: (prevHash: string, event: AuditEventInput) => string): Promise<AuditEvent[]> {
    if (events.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const head = await this.lockHead(trx);
      let seq = head.head_seq;
      let prevHash = head.head_hash;
      const appended = events.map((input): AuditEvent => {
        const event: AuditEventInput = {
          at: input.at,
          actorKind: input.actorKind,
          actorName: input.actorName,
          sourceIp: input.sourceIp,
          action: input.action,
          project: input.project,
          repository: input.repository,
          reference: input.reference,
          digest: input.digest,
          result: input.result,
          detail: input.detail,
        };
        const chained = { ...event, seq: ++seq, prevHash, hash: hash(prevHash, event) };
        prevHash = chained.hash;
        return chained;
      });
      for (let i = 0; i < appended.length; i += INSERT_CHUNK) {
        await trx.insertInto('audit_events').values(appended.slice(i, i + INSERT_CHUNK).map(toRow)).execute();
      }
      await trx.updateTable('audit_chain').set({ head_seq: seq, head_hash: prevHash }).where('id', '=', 1).execute();
      return appended;
    });
  }

  async query(filter: AuditFilter, page: { limit: number; afterSeq?: number; ascending?: boolean }): Promise<AuditEvent[]> {
    if (filter.projects !== undefined && filter.projects.length === 0) return [];
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('at', '<', filter.to);
    if (filter.actorName !== undefined) q = q.where('actor_name', '=', filter.actorName);
    if (filter.project !== undefined) q = q.where('project', '=', filter.project);
    if (filter.projects !== undefined) q = q.where('project', 'in', [...filter.projects]);
    if (filter.action !== undefined) q = q.where('action', '=', filter.action);
    if (filter.result !== undefined) q = q.where('result', '=', filter.result);
    if (page.afterSeq !== undefined) q = q.where('seq', page.ascending ? '>' : '<', page.afterSeq);
    const rows = await q.orderBy('seq', page.ascending ? 'asc' : 'desc').limit(page.limit).execute();
    return rows.map(toEvent);
  }

  async *scan(fromSeq: number, batch: number): AsyncIterable<AuditEvent> {
    let next = fromSeq;
    for (;;) {
      const rows = await this.db.selectFrom('audit_events').selectAll().where('seq', '>=', next).orderBy('seq').limit(batch).execute();
      for (const row of rows) yield toEvent(row);
      if (rows.length < batch) return;
      next = Number(rows.at(-1)!.seq) + 1;
    }
  }

  async deleteBefore(before: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const head = await this.lockHead(trx);
      // Only a prefix of the chain may go, or it would break in the middle: stop at the first event at or
      // after `before`, even if some later event (appended with an earlier time) is older.
      const firstKept = await trx.selectFrom('audit_events').select(['seq', 'prev_hash']).where('at', '>=', before).orderBy('seq').limit(1).executeTakeFirst();
      const cutoff = firstKept ? Number(firstKept.seq) : head.head_seq + 1;
      const result = await trx.deleteFrom('audit_events').where('seq', '<', cutoff).executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      if (deleted > 0) await trx.updateTable('audit_chain').set({ anchor: firstKept ? firstKept.prev_hash : head.head_hash }).where('id', '=', 1).execute();
      return deleted;
    });
  }

  async anchor(): Promise<string> {
    const row = await this.db.selectFrom('audit_chain').select('anchor').where('id', '=', 1).executeTakeFirstOrThrow();
    return row.anchor;
  }
}
