/**
 * The authorization matrix of issue #3: every principal of matrix-model.ts against every /v2 endpoint and every
 * /api/v1 endpoint family, in a public and a private project, on one server with fixtures made once. Each
 * cell checks allow or deny (status, error code, and on success what came back); each denied read of a private
 * resource is also compared byte for byte with the same read of something that does not exist.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBerth } from '../../helpers/berth-server.ts';
import { cellsOf, type Cell, type HttpAnswer, type HttpRequest } from './matrix-cells.ts';
import { buildMatrixWorld, inBatches, type MatrixWorld } from './matrix-fixture.ts';
import { PRINCIPALS } from './matrix-model.ts';

/** Headers that differ between any two answers (request ids, dates, connection handling). */
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

export async function send(base: string, request: HttpRequest, authorization: string | undefined): Promise<HttpAnswer> {
  const res = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: { ...request.headers, ...(authorization !== undefined ? { authorization } : {}) },
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name] = value));
  return { status: res.status, headers, text: await res.text() };
}

/** What a client can observe, with the absent names mapped back to the real ones. */
function observable(res: HttpAnswer, substitutions: readonly [string, string][]): { status: number; headers: Record<string, string>; body: string } {
  const map = (text: string) => substitutions.reduce((t, [from, to]) => t.split(from).join(to), text);
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !VOLATILE_HEADERS.has(name)).map(([name, value]) => [name, map(value)]));
  return { status: res.status, headers, body: map(res.text) };
}

function errorCode(res: HttpAnswer): string | undefined {
  if (!/json/.test(res.headers['content-type'] ?? '') || res.text === '') return undefined;
  const body = JSON.parse(res.text) as { code?: string; errors?: { code: string }[] };
  return body.errors?.[0]?.code ?? body.code;
}

/** Runs one cell; returns what is wrong with it (empty when nothing). */
async function runCell(world: MatrixWorld, cell: Cell): Promise<string[]> {
  const base = world.berth.url;
  const authorization = world.auth(cell.principal, cell.project);
  const res = await send(base, cell.request, authorization);
  const where = `${cell.principal.key}: ${cell.label} (${cell.request.method} ${cell.request.path})`;
  const problems: string[] = [];
  if (res.status !== cell.expect.status) {
    problems.push(`${where}: status ${res.status}, expected ${cell.expect.status} ${res.text.slice(0, 160)}`);
    return problems;
  }
  // HEAD answers carry no body, so no code either: the status is what a client sees.
  if (cell.expect.code !== undefined && cell.request.method !== 'HEAD' && errorCode(res) !== cell.expect.code) problems.push(`${where}: code ${errorCode(res)}, expected ${cell.expect.code}`);
  const wrong = cell.expect.check?.(res);
  if (wrong) problems.push(`${where}: ${wrong}`);
  if (cell.absent) {
    const seen = observable(res, []);
    const missing = observable(await send(base, cell.absent.request, authorization), cell.absent.substitutions);
    if (JSON.stringify(seen) !== JSON.stringify(missing)) {
      problems.push(`${where}: differs from a missing resource:\n    denied  ${JSON.stringify(seen)}\n    missing ${JSON.stringify(missing)}`);
    }
    if (cell.absent.viaAdmin) {
      const endpoint = observable(await send(base, cell.absent.request, world.adminAuth), cell.absent.substitutions);
      if (JSON.stringify(seen) !== JSON.stringify(endpoint)) {
        problems.push(`${where}: differs from the endpoint's own not-found answer:\n    denied    ${JSON.stringify(seen)}\n    not found ${JSON.stringify(endpoint)}`);
      }
    }
  }
  return problems;
}

describe('authorization matrix', { timeout: 600_000 }, () => {
  let world: MatrixWorld;
  const totals = { cells: 0, absentComparisons: 0 };

  before(async () => {
    world = await buildMatrixWorld(await startTestBerth());
  });
  after(() => world?.berth.stop());

  for (const principal of PRINCIPALS) {
    it(`${principal.key}: every endpoint in the public and the private project answers as the roles say`, async () => {
      const cells = cellsOf(world, principal);
      totals.cells += cells.length;
      totals.absentComparisons += cells.filter((c) => c.absent).length;
      const problems = (await inBatches(cells.map((cell) => () => runCell(world, cell)), 8)).flat();
      assert.deepEqual(problems, [], `${problems.length} of ${cells.length} cells are wrong:\n${problems.join('\n')}`);
    });
  }

  it('covered every principal, both projects and every endpoint family', (t) => {
    t.diagnostic(`authorization matrix: ${totals.cells} cells, ${totals.absentComparisons} denied reads compared with missing resources`);
    assert.equal(totals.cells, PRINCIPALS.length * cellsOf(world, PRINCIPALS[0]!).length);
    assert.ok(totals.absentComparisons >= 80, `only ${totals.absentComparisons} denied-read comparisons`);
  });
});
