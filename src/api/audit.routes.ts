import { PassThrough } from 'node:stream';
import { exportAuditJsonLines } from '../audit/audit-export.ts';
import { AuditEventView, AuditQuery, AuditVerifyView, type AuditQueryService } from '../identity/audit-query.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { callerIsAdmin, type Guards } from './guards.ts';
import { pageOf } from './page-schema.ts';

export function auditRoutes(audit: AuditQueryService, g: Guards): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/audit', summary: 'Query the audit log, or export it as JSON lines with format=jsonl', tag: 'audit',
      permission: g.auditReader, query: AuditQuery, response: pageOf(AuditEventView),
      alsoProduces: [{ contentType: 'application/jsonl', description: 'format=jsonl: every matching event, oldest first, one JSON object per line' }],
      async handle(input) {
        // The guard let a non-admin through only for a project they own, named in ?project=.
        const scope = callerIsAdmin(input) ? {} : { projects: [input.query.project as string] };
        if (input.query.format === 'json') return audit.query(scope, input.query);
        const out = new PassThrough();
        exportAuditJsonLines(audit.export(scope, input.query), out).catch((err: unknown) => {
          // Usually the client went away mid-export; the database cursor is released either way.
          input.req.log.warn({ err }, 'audit export stopped');
          out.destroy(err as Error);
        });
        return input.reply.type('application/jsonl; charset=utf-8').send(out);
      },
    }),
    defineRoute({
      method: 'GET', path: '/audit/verify', summary: 'Recompute the audit hash chain', tag: 'audit', permission: g.admin,
      response: AuditVerifyView,
      handle: () => audit.verify(),
    }),
  ];
}
