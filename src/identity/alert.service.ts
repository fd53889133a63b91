import { z } from 'zod';
import { BerthError } from '../errors/berth-error.ts';
import type { AlertRecord, AlertRepo } from '../meta/identity-store.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import { ListQuery, pageArray, type Paged } from './list-page.ts';
import { unknown } from './validate.ts';

export const AlertQuery = ListQuery.extend({ unacknowledged: z.boolean().default(false) });
export type AlertQuery = z.output<typeof AlertQuery>;

export const AlertView = z.object({
  id: z.string(),
  at: z.string(),
  rule: z.string(),
  principal: z.string(),
  detail: z.record(z.string(), z.unknown()),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

/**
 * Alerts are few (threshold rules fire rarely), so a page is cut from at most this many of the newest ones;
 * older ones are past what anyone pages through in the UI.
 */
const MAX_ALERTS_SCANNED = 10_000;

const toView = (a: AlertRecord): AlertView => ({
  id: a.id,
  at: isoTime(a.at),
  rule: a.rule,
  principal: a.principal,
  detail: a.detail,
  acknowledgedAt: a.acknowledgedAt === null ? null : isoTime(a.acknowledgedAt),
  acknowledgedBy: a.acknowledgedBy,
});

/** Alerts raised by the threshold rules: listing and acknowledging. Safe concurrently; errors are BerthErrors. */
export class AlertService {
  constructor(private readonly deps: { alerts: Pick<AlertRepo, 'list' | 'acknowledge'>; fx: ChangeEffects }) {}

  /** Newest first (ids are time-ordered); the cursor is the last alert's id. */
  async list(query: AlertQuery): Promise<Paged<AlertView>> {
    const alerts = await this.deps.alerts.list({ unacknowledgedOnly: query.unacknowledged }, { limit: MAX_ALERTS_SCANNED });
    return pageArray(alerts.map(toView), (a) => a.id, query, true);
  }

  /** The first acknowledgement stands. Throws RESOURCE_UNKNOWN, CONFLICT when already acknowledged. */
  async acknowledge(actor: Actor, id: string): Promise<void> {
    if (!(await this.deps.alerts.acknowledge(id, actor.name, this.deps.fx.now()))) {
      const all = await this.deps.alerts.list({}, { limit: MAX_ALERTS_SCANNED });
      if (all.some((a) => a.id === id)) throw new BerthError('CONFLICT', { message: 'the alert is already acknowledged', detail: { id } });
      throw unknown('alert', id);
    }
    afterChange(this.deps.fx, actor, { action: 'alert.acknowledge', detail: { id } });
  }
}
