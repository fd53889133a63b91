import type { Logger } from '../log/logger.ts';
import type { AlertRepo } from '../meta/identity-store.ts';
import type { AlertEngine, FiredAlert } from './alert-rules.ts';
import type { AuditListener } from './audit-writer.ts';

/**
 * Connects alerting to the audit stream: every stored event goes through the engine, and each alert it fires
 * is logged at warn and stored through AlertRepo. Storing is fire-and-forget: a failure is logged at error and
 * never holds up the audit writer. Returns the unsubscribe function.
 */
export function subscribeAlerts(deps: {
  audit: { onEvent(listener: AuditListener): () => void };
  engine: Pick<AlertEngine, 'observe'>;
  alerts: Pick<AlertRepo, 'record'>;
  log: Logger;
}): () => void {
  const store = (alert: FiredAlert) => {
    deps.log.warn({ alert }, `alert: ${alert.rule} fired for ${alert.principal}`);
    deps.alerts.record(alert).catch((err: unknown) => deps.log.error({ err, alert }, 'alert: storing a fired alert failed'));
  };
  return deps.audit.onEvent((event) => {
    for (const alert of deps.engine.observe(event)) store(alert);
  });
}
