import { z } from 'zod';
import { AlertQuery, AlertView, type AlertService } from '../identity/alert.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';

export function alertRoutes(alerts: AlertService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/alerts', summary: 'List alerts, newest first', tag: 'alerts', permission: g.admin,
      query: AlertQuery, response: pageOf(AlertView),
      handle: ({ query }) => alerts.list(query),
    }),
    defineRoute({
      method: 'POST', path: '/alerts/:id/acknowledge', summary: 'Acknowledge an alert', tag: 'alerts', permission: g.admin,
      params: z.object({ id: z.string().min(1).max(64) }), status: 204,
      handle: ({ actor, params }) => alerts.acknowledge(actor, params.id),
    }),
  ];
}
