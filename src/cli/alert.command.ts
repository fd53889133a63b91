import type { Command } from 'commander';
import type { AlertView as Alert } from '../identity/alert.service.ts';
import { apiAction, apiCommand, commandGroup, seg, shortTime } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';

export function registerAlertCommands(program: Command): void {
  const alert = commandGroup(program, 'alert', 'security alerts raised by threshold rules (admins)');

  apiCommand(alert, 'list', 'list alerts, newest first', `
--json prints {"alerts": [{id, at, rule, principal, detail, acknowledgedAt, acknowledgedBy}, ...]}.
Examples:
  berth alert list
  berth alert list --unacknowledged`)
    .option('--unacknowledged', 'only alerts nobody acknowledged yet')
    .action(
      apiAction(async (ctx, api, opts: ConnectionOptions & { unacknowledged?: boolean }) => {
        const alerts = await (await api()).all<Alert>('/alerts', 'list alerts', { query: { unacknowledged: opts.unacknowledged === true ? true : undefined } });
        emit(ctx.isJson, { alerts }, () =>
          formatTable([
            ['ID', 'TIME', 'RULE', 'PRINCIPAL', 'ACKNOWLEDGED', 'DETAIL'],
            ...alerts.map((a) => [a.id, shortTime(a.at), a.rule, a.principal, a.acknowledgedAt ? `${shortTime(a.acknowledgedAt)} by ${a.acknowledgedBy ?? '?'}` : 'no', JSON.stringify(a.detail)]),
          ]));
      }),
    );

  apiCommand(alert, 'ack', 'acknowledge an alert', `
--json prints {"acknowledged": ID}.
Example: berth alert ack 42`)
    .argument('ID', 'the alert id (see "berth alert list")')
    .action(
      apiAction(async (ctx, api, id: string, _opts: ConnectionOptions) => {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new CliError(`invalid alert id "${id.slice(0, 70)}"`, EXIT.CONFIG);
        await (await api()).request('POST', `/alerts/${seg(id)}/acknowledge`, `acknowledge alert ${id}`);
        emit(ctx.isJson, { acknowledged: id }, () => `Acknowledged alert ${id}`);
      }),
    );
}
