import type { Command } from 'commander';
import type { z } from 'zod';
import type { MeView } from '../api/me.routes.ts';
import { apiAction, apiCommand } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { emit, formatTable } from './output.ts';

type Me = z.infer<typeof MeView>;

function meText(me: Me): string {
  const rows = [['name', me.name], ['kind', me.kind], ['admin', me.isAdmin ? 'yes' : 'no']];
  if (me.kind === 'robot') {
    rows.push(['project', me.project ?? '- (system robot)'], ['expires', me.expiresAt ?? 'never']);
    for (const p of me.permissions ?? []) rows.push(['permission', `${p.pattern}:${p.actions.join(',')}`]);
  }
  return formatTable(rows);
}

export function registerWhoamiCommand(program: Command): void {
  apiCommand(program, 'whoami', 'show who the server takes you for (GET /api/v1/me)', `
--json prints {kind: "user"|"robot", name, isAdmin, method, ...} (robots add project, permissions, expiresAt).
Example: BERTH_SERVER=http://127.0.0.1:5000 berth whoami`).action(
    apiAction(async (ctx, api, _opts: ConnectionOptions) => {
      const me = await (await api()).request<Me>('GET', '/me', 'whoami');
      emit(ctx.isJson, me, () => meText(me));
    }),
  );
}
