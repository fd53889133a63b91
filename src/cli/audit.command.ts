import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { apiAction, apiCommand, commandGroup, parseProject, shortTime } from './api-command.ts';
import type { AuditEventView as AuditEvent, AuditVerifyView as Verdict } from '../identity/audit-query.service.ts';
import type { Query } from './api-client.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';
import { parsePageSize } from './page-size.ts';
import { createProgress } from './progress.ts';
import { parseTimeOption } from './time-option.ts';

interface FilterOptions extends ConnectionOptions {
  from?: string;
  to?: string;
  actor?: string;
  project?: string;
  action?: string;
  result?: string;
  limit?: string;
  output?: string;
}

const RESULTS = ['success', 'failure', 'denied'];
const DEFAULT_LIMIT = 50;

/** The server's audit filters from the options, checked before any request. */
function filtersOf(opts: FilterOptions, nowMs: number): Query {
  if (opts.result !== undefined && !RESULTS.includes(opts.result)) throw new CliError(`--result must be one of ${RESULTS.join(', ')}`, EXIT.CONFIG);
  for (const [option, value, max] of [['--actor', opts.actor, 256], ['--action', opts.action, 100]] as const) {
    if (value !== undefined && (value === '' || value.length > max)) throw new CliError(`${option} must be 1-${max} characters`, EXIT.CONFIG);
  }
  return {
    from: opts.from === undefined ? undefined : parseTimeOption(opts.from, '--from', 'past', nowMs),
    to: opts.to === undefined ? undefined : parseTimeOption(opts.to, '--to', 'past', nowMs),
    actor: opts.actor,
    project: opts.project === undefined ? undefined : parseProject(opts.project),
    action: opts.action,
    result: opts.result,
  };
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--from <when>', 'events at or after: ISO date/time or a duration ago (24h, 7d)')
    .option('--to <when>', 'events at or before: ISO date/time or a duration ago')
    .option('--actor <name>', 'who acted (user or robot name)')
    .option('--project <project>', 'events of this project (project owners must give one of theirs)')
    .option('--action <action>', 'e.g. user.create, member.grant, auth.failure, manifest.push')
    .option('--result <result>', RESULTS.join(' | '));
}

/** Counts the events (lines) of a JSON lines stream as it passes. */
function lineCounter(): Transform & { lines: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (const byte of chunk) if (byte === 0x0a) counter.lines++;
      done(null, chunk);
    },
  }) as Transform & { lines: number };
  counter.lines = 0;
  return counter;
}

export function registerAuditCommands(program: Command): void {
  const audit = commandGroup(program, 'audit', 'read, export and verify the tamper-evident audit log');

  withFilters(apiCommand(audit, 'list', 'list audit events, newest first', `
Admins read every event; project owners those of their project (--project). Pages are followed until --limit.
--json prints {"events": [{seq, at, actorKind, actorName, sourceIp, action, project, repository, reference,
digest, result, detail, prevHash, hash}, ...]}.
Examples:
  berth audit list --from 24h --result denied
  berth audit list --actor alice --action member.grant --limit 500`))
    .option('--limit <n>', `at most this many events (default ${DEFAULT_LIMIT})`)
    .option('--page-size <n>', 'events asked per request (at most 500); pages are followed anyway')
    .action(
      apiAction(async (ctx, api, opts: FilterOptions & { pageSize?: string }) => {
        const query = filtersOf(opts, Date.now());
        const pageSize = parsePageSize(opts.pageSize);
        if (pageSize !== undefined && pageSize > 500) throw new CliError('--page-size must be at most 500', EXIT.CONFIG);
        if (opts.limit !== undefined && !/^[1-9]\d{0,6}$/.test(opts.limit)) throw new CliError(`--limit must be a positive integer, got ${opts.limit.slice(0, 20)}`, EXIT.CONFIG);
        const max = opts.limit === undefined ? DEFAULT_LIMIT : Number(opts.limit);
        const events = await (await api()).all<AuditEvent>('/audit', 'audit events', { query, max, ...(pageSize !== undefined ? { pageSize } : {}) });
        emit(ctx.isJson, { events }, () =>
          formatTable([
            ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'PROJECT', 'REPOSITORY', 'RESULT'],
            ...events.map((e) => [String(e.seq), shortTime(e.at), e.actorName, e.action, e.project ?? '-', e.repository ?? '-', e.result]),
          ]));
      }),
    );

  withFilters(apiCommand(audit, 'export', 'export audit events as JSON lines, oldest first (streamed)', `
Writes one JSON object per line to --output FILE (written whole, then renamed into place) or to stdout. Each
line carries prevHash and hash, so an export can be checked without Berth. Progress shows on a terminal.
With --output and --json, prints {"output": FILE, "events": N} when done.
Examples:
  berth audit export --output audit-2025.jsonl --from 2025-01-01 --to 2026-01-01
  berth audit export --project app | gzip > app-audit.jsonl.gz`))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(
      apiAction(async (ctx, api, opts: FilterOptions) => {
        const query = { ...filtersOf(opts, Date.now()), format: 'jsonl' };
        const res = await (await api()).send('GET', '/audit', 'audit export', { query });
        if (!res.body) throw new CliError('audit export: the server answered without a body', EXIT.FAILURE);
        const tracked = createProgress().track(res.body, 'audit export', undefined);
        const counter = lineCounter();
        const source = Readable.fromWeb(tracked as import('node:stream/web').ReadableStream<Uint8Array>);
        if (opts.output === undefined) {
          await pipeline(source, counter, process.stdout, { end: false });
          return;
        }
        const partial = `${opts.output}.partial`;
        try {
          await pipeline(source, counter, createWriteStream(partial, { mode: 0o600 }));
          await rename(partial, opts.output);
        } catch (err) {
          await rm(partial, { force: true });
          if (err instanceof CliError) throw err;
          throw new CliError(`audit export to ${opts.output} failed: ${(err as Error).message}`, EXIT.FAILURE, { cause: err });
        }
        emit(ctx.isJson, { output: opts.output, events: counter.lines }, () => `Exported ${counter.lines} audit events to ${opts.output}`);
      }),
    );

  apiCommand(audit, 'verify', 'recompute the audit hash chain (admins)', `
Each event's hash covers the previous event's hash and its own fields, so an edited, inserted or deleted row
breaks the chain from there on.
--json prints {ok, checked, firstBadSeq?, problem?, reason?, lastSeq?} (also when the chain is broken).
Example: berth audit verify`, [EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED], {
    [EXIT.OK]: 'the chain verifies',
    [EXIT.FAILURE]: 'the chain is broken (the first bad seq and the reason are printed), or the request failed',
  })
    .action(
      apiAction(async (ctx, api, _opts: ConnectionOptions) => {
        const verdict = await (await api()).request<Verdict>('GET', '/audit/verify', 'audit verify');
        if (ctx.isJson || verdict.ok) emit(ctx.isJson, verdict, () => `Audit chain verified: ${verdict.checked} events${verdict.lastSeq !== undefined ? ` (up to seq ${verdict.lastSeq})` : ''}`);
        if (!verdict.ok) {
          const why = [verdict.problem, verdict.reason].filter(Boolean).join(': ') || 'no reason given';
          throw new CliError(`audit chain broken at seq ${verdict.firstBadSeq ?? '?'} (${verdict.checked} events verified before it): ${why}`, EXIT.FAILURE);
        }
      }),
    );
}
