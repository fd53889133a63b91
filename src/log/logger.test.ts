import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, lazyChildLogger } from './logger.ts';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(level, sink), lines };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('lazyChildLogger', () => {
  it('writes enabled levels with the child bindings and redaction, and nothing below the level', async () => {
    const { log, lines } = capture('warn');
    const child = lazyChildLogger(log, { reqId: 'r-1' });
    child.info('not written');
    child.debug('not written either');
    child.warn({ headers: { authorization: 'Basic c2VjcmV0' } }, 'written');
    child.error('also written');
    await settle();
    assert.deepEqual(lines.map((l) => [l.msg, l.reqId, l.level]), [['written', 'r-1', 40], ['also written', 'r-1', 50]]);
    assert.deepEqual(lines[0]!.headers, { authorization: '[redacted]' });
  });

  it('follows the level, and children of the child keep both sets of bindings', async () => {
    const { log, lines } = capture('info');
    const child = lazyChildLogger(log, { reqId: 'r-2' });
    assert.equal(child.level, 'info');
    child.child({ upload: 'u-1' }).info('grandchild');
    child.level = 'error';
    child.warn('dropped');
    assert.equal(log.level, 'info');
    await settle();
    assert.deepEqual(lines.map((l) => [l.msg, l.reqId, l.upload]), [['grandchild', 'r-2', 'u-1']]);
  });
});
