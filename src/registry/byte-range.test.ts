import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseContentRange, parseRangeHeader } from './byte-range.ts';

describe('parseRangeHeader', () => {
  it('serves the whole blob without a header', () => {
    assert.equal(parseRangeHeader(undefined, 10), undefined);
    assert.equal(parseRangeHeader('', 10), undefined);
  });

  it('answers a satisfiable single range with exactly those bytes, clamping the end', () => {
    assert.deepEqual(parseRangeHeader('bytes=0-0', 10), { start: 0, end: 0 });
    assert.deepEqual(parseRangeHeader('bytes=0-9', 10), { start: 0, end: 9 });
    assert.deepEqual(parseRangeHeader('bytes=3-5', 10), { start: 3, end: 5 });
    assert.deepEqual(parseRangeHeader('bytes=5-', 10), { start: 5, end: 9 });
    assert.deepEqual(parseRangeHeader('bytes=9-9', 10), { start: 9, end: 9 });
    assert.deepEqual(parseRangeHeader('bytes=5-1000', 10), { start: 5, end: 9 });
    assert.deepEqual(parseRangeHeader('  bytes=1-2 ', 10), { start: 1, end: 2 });
  });

  it('answers a suffix range with the last bytes, or the whole blob when longer', () => {
    assert.deepEqual(parseRangeHeader('bytes=-3', 10), { start: 7, end: 9 });
    assert.deepEqual(parseRangeHeader('bytes=-10', 10), { start: 0, end: 9 });
    assert.deepEqual(parseRangeHeader('bytes=-1000', 10), { start: 0, end: 9 });
  });

  it('is unsatisfiable when the range starts past the end, asks for no bytes, or the blob is empty', () => {
    assert.equal(parseRangeHeader('bytes=10-', 10), 'unsatisfiable');
    assert.equal(parseRangeHeader('bytes=10-20', 10), 'unsatisfiable');
    assert.equal(parseRangeHeader('bytes=99999999999999999999-', 10), 'unsatisfiable');
    assert.equal(parseRangeHeader('bytes=-0', 10), 'unsatisfiable');
    assert.equal(parseRangeHeader('bytes=0-', 0), 'unsatisfiable');
    assert.equal(parseRangeHeader('bytes=-5', 0), 'unsatisfiable');
  });

  it('ignores malformed headers, reversed ranges and multiple ranges (the whole blob is served)', () => {
    for (const header of ['bytes=5-3', 'bytes=-', 'bytes=a-b', 'bytes=1-2,4-5', 'items=0-1', 'bytes 0-1', 'bytes=0x1-2', 'bytes=1.5-2', '0-1', 'bytes=--1']) {
      assert.equal(parseRangeHeader(header, 10), undefined, header);
    }
  });
});

describe('parseContentRange', () => {
  it('accepts the Distribution form and the RFC forms', () => {
    assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange('100-100'), { start: 100, end: 100 });
    assert.deepEqual(parseContentRange('bytes 0-99/200'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange('bytes=0-99'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange('bytes 0-99/*'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange(' 5-9 '), { start: 5, end: 9 });
  });

  it('answers undefined for anything malformed or reversed', () => {
    for (const header of ['', 'abc', '0-', '-5', '5-4', '1-2-3', 'bytes */100', 'bytes 0-99/', '0-99/abc', `0-${'9'.repeat(20)}`, 'bytes=0-1,2-3']) {
      assert.equal(parseContentRange(header), undefined, header);
    }
  });
});
